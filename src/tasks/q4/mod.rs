//! Question 4: a Persian language model, soft prompting and reasoning methods. What is
//! here so far: reading answers out of model output, and the data files' readers.
pub mod data;
pub mod extract;
