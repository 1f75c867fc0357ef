//! Question 4: a Persian language model, soft prompting (`prompt_tuning`) and reasoning
//! methods (`reasoning`), with the data readers and answer extraction they share.
pub mod data;
pub mod extract;
pub mod model;
pub mod params;
pub mod prompt_tuning;
pub mod prompts;
pub mod reasoning;
pub mod sentiment;
