//! Left-to-right runs inside right-to-left Markdown. A Persian sentence that mentions
//! `top-1`, `LoRA` or `(IA)³` must isolate the Latin run (LRI … PDI), or the bidi
//! algorithm reorders the neutral characters around it (a closing parenthesis jumps to the
//! other end). Fluent already isolates its placeables; this isolates the Latin words the
//! catalog writes itself, and keeps isolation marks out of code spans (a command a reader
//! copies must not carry invisible characters).

const LRI: char = '\u{2066}';
const RLI: char = '\u{2067}';
const FSI: char = '\u{2068}';
const PDI: char = '\u{2069}';

/// A letter of the Arabic script (Persian text), as opposed to its digits and marks.
pub fn arabic_letter(c: char) -> bool {
    ('\u{0600}'..='\u{06FF}').contains(&c) && c.is_alphabetic()
}

fn latin(c: char) -> bool {
    c.is_ascii_alphanumeric() || (c.is_alphabetic() && (c as u32) < 0x0370)
}

/// Characters that continue a Latin run (the run still ends on a Latin character or a
/// closing bracket; spaces and punctuation at its end are left outside).
fn continues(c: char) -> bool {
    latin(c) || " -.,'()/:+=×²³_!?%&".contains(c)
}

/// Wraps each Latin run that is not already isolated, and not in a code span, in LRI … PDI.
pub fn isolate_ltr_runs(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 16);
    let (mut depth, mut in_code, mut i) = (0usize, false, 0usize);
    while i < chars.len() {
        let c = chars[i];
        match c {
            '`' => {
                in_code = !in_code;
                out.push(c);
                i += 1;
                continue;
            }
            LRI | RLI | FSI if in_code => {
                depth += 1;
                i += 1;
                continue;
            }
            PDI if in_code => {
                depth = depth.saturating_sub(1);
                i += 1;
                continue;
            }
            LRI | RLI | FSI => depth += 1,
            PDI => depth = depth.saturating_sub(1),
            _ => {}
        }
        let starts = latin(c) || (c == '(' && chars.get(i + 1).is_some_and(|&n| latin(n)));
        if depth > 0 || in_code || !starts {
            out.push(c);
            i += 1;
            continue;
        }
        let mut end = i;
        while end < chars.len() && continues(chars[end]) {
            end += 1;
        }
        // Give back trailing neutrals, and a closing parenthesis the run did not open.
        loop {
            let run = &chars[i..end];
            let opens = run.iter().filter(|&&x| x == '(').count();
            let closes = run.iter().filter(|&&x| x == ')').count();
            match run.last() {
                Some(&last) if latin(last) || last == '²' || last == '³' || last == '%' => break,
                Some(')') if closes <= opens => break,
                Some(_) => end -= 1,
                None => break,
            }
        }
        let run = &chars[i..end];
        let unbalanced = run.iter().filter(|&&x| x == '(').count() > run.iter().filter(|&&x| x == ')').count();
        // A parenthesis opened before the Latin words and closed after other text stays
        // outside, with the right-to-left text it encloses.
        if end == i || (c == '(' && unbalanced) {
            out.push(c);
            i += 1;
            continue;
        }
        out.push(LRI);
        out.extend(&chars[i..end]);
        out.push(PDI);
        i = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(s: &str) -> String {
        s.replace(LRI, "<").replace(PDI, ">").replace(FSI, "{")
    }

    #[test]
    fn latin_runs_in_persian_are_isolated() {
        assert_eq!(shown(&isolate_ltr_runs("دقت top-1 برابر")), "دقت <top-1> برابر");
        assert_eq!(shown(&isolate_ltr_runs("ماژول‌ها (LoRA و (IA)³)")), "ماژول‌ها (<LoRA> و <(IA)³>)");
        assert_eq!(shown(&isolate_ltr_runs("**LoRA به** دقت")), "**<LoRA> به** دقت");
        assert_eq!(shown(&isolate_ltr_runs("r = ۱۶ و alpha")), "<r> = ۱۶ و <alpha>");
    }

    #[test]
    fn isolated_placeables_and_code_are_left_alone() {
        let placeable = format!("مدل {FSI}demo_small{PDI} است");
        assert_eq!(isolate_ltr_runs(&placeable), placeable);
        let code = format!("اجرا: `adaptlab report --run {FSI}abc{PDI}`");
        assert_eq!(isolate_ltr_runs(&code), "اجرا: `adaptlab report --run abc`");
    }
}
