use adaptlab::data::persian_corpus::*;
use adaptlab::data::rng::SplitMix64;
use adaptlab::nn::lm::generate::Sampling;
use adaptlab::tasks::q4::extract::extract_number;
use adaptlab::zoo::demo_lm::*;
use adaptlab::zoo::lm::{LoadedLm, Precision};
use tch::Device;

fn main() {
    let steps: usize = std::env::args().nth(1).map(|s| s.parse().unwrap()).unwrap_or(300);
    let c = DemoLmConfig { steps, ..Default::default() };
    let t = std::time::Instant::now();
    let dir = std::path::PathBuf::from(format!("/tmp/q4probe-{steps}"));
    let p = tch::with_grad(|| pretrain(&c, &mut |_, _| {})).unwrap();
    eprintln!("pretrain {:.1}s loss {:.3}", t.elapsed().as_secs_f64(), p.last_loss);
    save_folder(&p, &c, &dir).unwrap();
    let lm = LoadedLm::load(&dir, Device::Cpu, Precision::Fp32).unwrap();
    let mut rng = SplitMix64::new(12345);
    let probs: Vec<WordProblem> = (0..60).map(|_| word_problem(&mut rng)).collect();
    let dec = |ids: &[i64]| lm.tokenizer.decode(ids, true);
    for (name, suffix, max) in [("direct", " جواب:", 4usize), ("cot", " پاسخ: بیایید گام به گام فکر کنیم.", 40), ("cot-en", " پاسخ: Let's think step by step.", 40)] {
        let prompts: Vec<Vec<i64>> = probs.iter().map(|q| lm.tokenizer.encode(&format!("سوال: {}{suffix}", q.question), false).unwrap()).collect();
        let s = Sampling { max_new_tokens: max, eos: lm.eos_ids(), stop: vec!["\n".into(), "سوال:".into()], ..Default::default() };
        let t = std::time::Instant::now();
        let out = lm.model.generate(&prompts, &s, &dec, &mut |_| {}).unwrap();
        let right = out.iter().zip(&probs).filter(|(o, q)| extract_number(&o.text) == Some(q.answer as f64)).count();
        eprintln!("{name}: {right}/60 in {:.1}s e.g. {:?}", t.elapsed().as_secs_f64(), out[0].text);
        if name == "cot" {
            let s = Sampling { temperature: 0.7, n: 10, seed: 1, ..s.clone() };
            let t = std::time::Instant::now();
            let out = lm.model.generate(&prompts, &s, &dec, &mut |_| {}).unwrap();
            for n in [1, 3, 5, 10] {
                let right = probs.iter().enumerate().filter(|(i, q)| {
                    let votes: Vec<Option<i64>> = out[i * 10..i * 10 + n].iter().map(|o| extract_number(&o.text).map(|x| x as i64)).collect();
                    adaptlab::significance::majority(&votes) == Some(q.answer)
                }).count();
                eprintln!("  sc N={n}: {right}/60");
            }
            eprintln!("  sc time {:.1}s", t.elapsed().as_secs_f64());
        }
    }
}
