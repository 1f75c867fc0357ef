//! Generated Persian text for the demo's language model: product and food reviews that
//! end with their sentiment, and arithmetic word problems with worked, step-by-step
//! solutions and a final answer (Persian digits), so that the demo LM has learned
//! something for soft prompts and chain of thought to work with.
use super::rng::SplitMix64;

const NAMES: &[&str] = &["علی", "مریم", "رضا", "سارا", "حسین", "زهرا", "امیر", "نگار"];
const ITEMS: &[&str] = &["سیب", "کتاب", "مداد", "گل", "توپ", "کیک", "دفتر", "پرتقال"];
const PRODUCTS: &[&str] = &["این گوشی", "این کفش", "این پیتزا", "این هدفون", "این کتاب", "غذای این رستوران", "این لپ‌تاپ", "این قهوه"];
const GOOD: &[&str] = &["عالی بود", "خیلی خوب بود", "کیفیتش بی‌نظیر بود", "ارزش خرید داشت", "خوشمزه و تازه بود", "بسیار راضی هستم"];
const BAD: &[&str] = &["افتضاح بود", "خیلی بد بود", "کیفیتش پایین بود", "ارزش خرید نداشت", "سرد و بی‌مزه بود", "اصلاً راضی نیستم"];
pub const POSITIVE: &str = "مثبت";
pub const NEGATIVE: &str = "منفی";

/// Persian digits for a number (the demo writes numbers as Persian text does).
pub fn persian_number(n: i64) -> String {
    let s = n.to_string();
    s.chars().map(|c| c.to_digit(10).and_then(|d| char::from_u32(0x06F0 + d)).unwrap_or(c)).collect()
}

fn pick<'a>(rng: &mut SplitMix64, list: &[&'a str]) -> &'a str {
    list[rng.below(list.len())]
}

/// A review and its label (true: positive).
pub fn review(rng: &mut SplitMix64) -> (String, bool) {
    let positive = rng.below(2) == 0;
    let adjective = pick(rng, if positive { GOOD } else { BAD });
    (format!("{} {adjective}.", pick(rng, PRODUCTS)), positive)
}

/// A two-step problem: the question, the worked steps and the answer.
pub struct WordProblem {
    pub question: String,
    pub steps: String,
    pub answer: i64,
}

pub fn word_problem(rng: &mut SplitMix64) -> WordProblem {
    let (name, item) = (pick(rng, NAMES), pick(rng, ITEMS));
    let a = 2 + rng.below(8) as i64;
    let b = 1 + rng.below(8) as i64;
    let c = 1 + rng.below((a + b) as usize - 1) as i64;
    let n = persian_number;
    WordProblem {
        question: format!("{name} {} {item} داشت و {} {item} دیگر خرید. سپس {} {item} به دوستش داد. چند {item} برایش ماند؟", n(a), n(b), n(c)),
        steps: format!("{} + {} = {}. {} - {} = {}.", n(a), n(b), n(a + b), n(a + b), n(c), n(a + b - c)),
        answer: a + b - c,
    }
}

/// Training lines: reviews with "احساس: مثبت/منفی" and problems with "راه‌حل: ... پاسخ: N".
pub fn pretraining_lines(seed: u64, count: usize) -> Vec<String> {
    let mut rng = SplitMix64::new(seed);
    (0..count)
        .map(|i| {
            if i % 2 == 0 {
                let (text, positive) = review(&mut rng);
                format!("نظر: {text} احساس: {}", if positive { POSITIVE } else { NEGATIVE })
            } else {
                let p = word_problem(&mut rng);
                format!("سوال: {} راه‌حل: {} پاسخ: {}", p.question, p.steps, persian_number(p.answer))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_are_consistent_and_seeded() {
        let mut rng = SplitMix64::new(5);
        for _ in 0..200 {
            let p = word_problem(&mut rng);
            assert!(p.answer >= 1, "never an empty basket");
            assert!(p.steps.ends_with(&format!("= {}.", persian_number(p.answer))));
        }
        assert_eq!(pretraining_lines(3, 10), pretraining_lines(3, 10));
        assert_ne!(pretraining_lines(3, 10), pretraining_lines(4, 10));
        assert_eq!(persian_number(120), "۱۲۰");
    }
}
