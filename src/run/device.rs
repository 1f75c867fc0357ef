//! Turns a suite's device setting into a tch device, with an error that says what to do.
use crate::spec::DeviceSpec;
use anyhow::{bail, Result};

pub fn resolve(spec: DeviceSpec) -> Result<tch::Device> {
    match spec {
        DeviceSpec::Cpu => Ok(tch::Device::Cpu),
        DeviceSpec::Auto => Ok(if tch::Cuda::is_available() { tch::Device::Cuda(0) } else { tch::Device::Cpu }),
        DeviceSpec::Cuda(i) => {
            let count = tch::Cuda::device_count() as usize;
            if count == 0 {
                bail!("the experiment asks for cuda:{i} but no CUDA device is visible (`adaptlab doctor` shows why); use `device: auto` or `cpu`");
            }
            if i >= count {
                bail!("the experiment asks for cuda:{i} but only {count} CUDA device(s) exist (cuda:0..cuda:{})", count - 1);
            }
            Ok(tch::Device::Cuda(i))
        }
    }
}

pub fn name(device: tch::Device) -> String {
    match device {
        tch::Device::Cuda(i) => format!("cuda:{i}"),
        tch::Device::Cpu => "cpu".into(),
        other => format!("{other:?}").to_lowercase(),
    }
}
