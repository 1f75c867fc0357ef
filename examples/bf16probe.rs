use std::time::Instant;
use tch::{Device, Kind, Tensor};
fn time(label: &str, f: &dyn Fn() -> Tensor) {
    let _ = f();
    let t = Instant::now();
    for _ in 0..20 { let _ = f(); }
    println!("{label}: {:.3} ms", t.elapsed().as_secs_f64() * 1000.0 / 20.0);
}
fn main() {
    let _g = tch::no_grad_guard();
    for kind in [Kind::Float, Kind::BFloat16] {
        let x = Tensor::randn([1, 64, 768], (kind, Device::Cpu));
        let w_io = Tensor::randn([768, 2304], (kind, Device::Cpu));
        let w_oi = Tensor::randn([2304, 768], (kind, Device::Cpu));
        let b = Tensor::randn([2304], (kind, Device::Cpu));
        println!("{kind:?}");
        time("  3d matmul(W[in,out]) + b", &|| x.matmul(&w_io) + &b);
        time("  2d addmm(b, x, W[in,out])", &|| b.addmm(&x.view([64, 768]), &w_io));
        time("  linear(W[out,in], b)", &|| x.linear(&w_oi, Some(&b)));
        time("  linear(W[in,out].t(), b)", &|| x.linear(&w_io.tr(), Some(&b)));
        let x1 = Tensor::randn([1, 1, 768], (kind, Device::Cpu));
        time("  decode linear(W[out,in])", &|| x1.linear(&w_oi, Some(&b)));
        time("  decode matmul(W[in,out])", &|| x1.matmul(&w_io) + &b);
        let q = Tensor::randn([1, 12, 64, 64], (kind, Device::Cpu));
        time("  sdpa causal 64", &|| Tensor::scaled_dot_product_attention::<Tensor>(&q, &q, &q, None, 0.0, true, None, false));
        time("  layer_norm", &|| x.layer_norm([768], None::<Tensor>, None::<Tensor>, 1e-5, true));
        time("  gelu tanh [64,3072]", &|| Tensor::randn([1,64,3072], (kind, Device::Cpu)).gelu("tanh"));
    }
}
