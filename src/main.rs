fn main() {
    println!("cuda: {} threads: {}", tch::Cuda::is_available(), tch::get_num_threads());
    let t = tch::Tensor::from_slice(&[1.0f32, 2.0, 3.0]);
    println!("{}", t.sum(tch::Kind::Float).double_value(&[]));
}
