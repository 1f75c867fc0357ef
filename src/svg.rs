//! Small SVG building blocks shared by the plots, the report and the tasks' cards.

/// Text for an XML/SVG text node or attribute.
pub fn xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// An SVG card: the image (embedded as a data URI) beside its labels' probability bars.
pub fn image_card(bytes: &[u8], rows: &[(&str, f64)]) -> String {
    let mime = if bytes.starts_with(b"\x89PNG") { "image/png" } else { "image/jpeg" };
    let bars: String = rows
        .iter()
        .enumerate()
        .map(|(i, (label, prob))| {
            let y = 40 + 30 * i;
            let w = (prob * 200.0).round();
            format!(
                "<rect x=\"250\" y=\"{}\" width=\"{w}\" height=\"18\" fill=\"#1f77b4\"/><text x=\"460\" y=\"{}\" font-family=\"sans-serif\" font-size=\"13\">{} ({:.1}%)</text>",
                y,
                y + 14,
                xml(label),
                prob * 100.0
            )
        })
        .collect();
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"680\" height=\"{}\"><image x=\"10\" y=\"10\" width=\"224\" height=\"224\" href=\"data:{mime};base64,{}\"/>{bars}</svg>",
        (50 + 30 * rows.len()).max(244),
        base64(bytes)
    )
}

pub fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(super::base64(b""), "");
        assert_eq!(super::base64(b"f"), "Zg==");
        assert_eq!(super::base64(b"fo"), "Zm8=");
        assert_eq!(super::base64(b"foo"), "Zm9v");
        assert_eq!(super::base64(b"foobar"), "Zm9vYmFy");
    }
}
