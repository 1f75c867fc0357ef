use adaptlab::data::persian_corpus::review;
use adaptlab::data::rng::SplitMix64;
use adaptlab::nn::lm::prompt_tuning::{PromptInit, SoftPrompt};
use adaptlab::train::prompt_tuning::{classify, train_soft_prompt, PromptTrainConfig};
use adaptlab::zoo::demo_lm::{pretrain, DemoLmConfig};
use std::time::Instant;
fn main() {
    let steps: usize = std::env::args().nth(1).map(|s| s.parse().unwrap()).unwrap_or(300);
    let t = Instant::now();
    let c = DemoLmConfig { steps, ..DemoLmConfig::default() };
    let p = tch::with_grad(|| pretrain(&c, &mut |s, l| if s % 50 == 0 { eprintln!("step {s} loss {l:.3}") })).unwrap();
    eprintln!("pretrain {steps} steps: {:.1} s, loss {:.3} -> {:.3}", t.elapsed().as_secs_f64(), p.first_loss, p.last_loss);
    let lm = p.model;
    let enc = |s: &str, sp: bool| -> Vec<i64> { p.tokenizer.encode(s, sp).unwrap().get_ids().iter().map(|&i| i as i64).collect() };
    let labels = vec![enc(" مثبت", false), enc(" منفی", false)];
    let mut rng = SplitMix64::new(99);
    let make = |rng: &mut SplitMix64, n: usize, fmt: &dyn Fn(&str) -> String| -> Vec<(Vec<i64>, usize)> { (0..n).map(|_| { let (t, pos) = review(rng); (enc(&fmt(&t), false), if pos { 0 } else { 1 }) }).collect() };
    for (name, fmt) in [("cue", Box::new(|t: &str| format!("نظر: {t} احساس:")) as Box<dyn Fn(&str) -> String>), ("bare", Box::new(|t: &str| format!("{t} =>")))] {
        let test = make(&mut rng, 80, &*fmt);
        let train = make(&mut rng, 64, &*fmt);
        let acc = |soft: Option<&SoftPrompt>| { let inputs: Vec<Vec<i64>> = test.iter().map(|x| x.0.clone()).collect(); let out = classify(&lm, soft, &inputs, &labels, 16).unwrap(); out.iter().zip(&test).filter(|(o, x)| o.0 == x.1).count() as f64 / test.len() as f64 };
        eprintln!("{name}: zero-shot {:.3}", acc(None));
        for init in [PromptInit::Text(enc("احساس:", false)), PromptInit::Random { seed: 1 }] {
            let soft = SoftPrompt::new(&lm, 5, &init).unwrap();
            let ex: Vec<(Vec<i64>, Vec<i64>)> = train.iter().map(|(x, y)| (x.clone(), labels[*y].clone())).collect();
            let t = Instant::now();
            train_soft_prompt(&lm, &soft, &ex, &PromptTrainConfig { steps: 40, batch: 8, lr: 0.1, seed: 0 }, &mut |_, _| {}).unwrap();
            eprintln!("  {} init: trained {:.3} in {:.1}s", init.peft_name(), acc(Some(&soft)), t.elapsed().as_secs_f64());
        }
    }
}
