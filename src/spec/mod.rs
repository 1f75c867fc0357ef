//! Experiment suites: YAML types, strict validation with `file:line:col` errors,
//! and the suites embedded in the binary.
pub mod builtin;
pub mod explain;
pub mod hint;
pub mod kind;
pub mod load;
pub mod locate;
pub mod model;
pub mod validate;

pub use builtin::{load_suite, SuiteRef};
pub use kind::{KindDef, Params};
pub use load::{parse_suite, SpecError, SpecErrors};
pub use model::{DeviceSpec, Experiment, Part, Suite};
