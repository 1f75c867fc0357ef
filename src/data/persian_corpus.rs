//! Generated Persian text for the demo's language model: product and food reviews that
//! end with their sentiment, and arithmetic word problems, a third answered at once and
//! the rest worked step by step after a fixed trigger sentence, some written several to a
//! document. The demo LM thus knows both answer formats (so direct answers and chain of
//! thought can be compared on it) and has seen problems follow one another (so few-shot
//! prompts look like text it knows).
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

/// The sentence that opens a worked solution in the demo corpus ("let's think step by
/// step"): the demo's zero-shot chain-of-thought trigger.
pub const STEP_BY_STEP: &str = "بیایید گام به گام فکر کنیم.";

/// The cue of a worked solution ("solution:") and of an immediate answer ("answer:").
pub const WORKED_CUE: &str = "پاسخ:";
pub const DIRECT_CUE: &str = "جواب:";

/// A problem as the corpus writes it: answered at once, or worked after the trigger.
pub fn problem_text(p: &WordProblem, worked: bool) -> String {
    let answer = persian_number(p.answer);
    if worked {
        format!("سوال: {} {WORKED_CUE} {STEP_BY_STEP} {} پس پاسخ {answer} است.", p.question, p.steps)
    } else {
        format!("سوال: {} {DIRECT_CUE} {answer}", p.question)
    }
}

/// Training documents: reviews ("نظر: ... احساس: مثبت/منفی"), single problems (a third
/// answered directly) and, one in five problem documents, two or three worked problems
/// on separate lines.
pub fn pretraining_lines(seed: u64, count: usize) -> Vec<String> {
    let mut rng = SplitMix64::new(seed);
    (0..count)
        .map(|i| {
            if i % 2 == 0 {
                let (text, positive) = review(&mut rng);
                format!("نظر: {text} احساس: {}", if positive { POSITIVE } else { NEGATIVE })
            } else if rng.below(5) == 0 {
                let n = 2 + rng.below(2);
                (0..n).map(|_| problem_text(&word_problem(&mut rng), true)).collect::<Vec<_>>().join("\n")
            } else {
                let worked = rng.below(3) != 0;
                problem_text(&word_problem(&mut rng), worked)
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
        let lines = pretraining_lines(1, 600);
        let worked = lines.iter().filter(|l| l.contains(STEP_BY_STEP)).count();
        let direct = lines.iter().filter(|l| l.starts_with("سوال") && !l.contains(STEP_BY_STEP)).count();
        assert!(worked > direct && direct > 50, "both answer formats are there: {worked} worked, {direct} direct");
        assert!(lines.iter().any(|l| l.contains('\n')), "some documents hold several problems");
    }
}
