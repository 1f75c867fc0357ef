//! Escaping for values placed into Markdown that also becomes HTML: HTML-significant
//! characters become entities (so a result can never inject markup) and Markdown
//! punctuation is backslash-escaped (so it renders literally).
pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn neutralises_markup_and_markdown() {
        assert_eq!(super::markdown("<script>a|b</script>"), "&lt;script&gt;a\\|b&lt;/script&gt;");
        assert_eq!(super::markdown("x_y *z*"), "x\\_y \\*z\\*");
        assert_eq!(super::markdown("سگ"), "سگ");
    }
}
