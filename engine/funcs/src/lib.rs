//! Terraform's built-in function library, on Hangar values.
//!
//! Functions take already-evaluated arguments. Unknown arguments give an unknown result and
//! sensitive arguments a sensitive result, unless a function is documented to treat them
//! otherwise. `can` and `try` are not here: they need unevaluated expressions, so the evaluator
//! implements them.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::path::Path;

use hangar_core::Value;

/// Renders a template file's text with variables (supplied by the evaluator for `templatefile`).
pub type TemplateRenderer<'a> = &'a dyn Fn(&str, &Value) -> Result<Value, String>;

/// What functions may need from their surroundings.
#[derive(Clone, Copy)]
pub struct FuncContext<'a> {
    /// Directory that relative paths in `file`, `fileexists`, `templatefile`... resolve against.
    pub base_dir: &'a Path,
    /// Renders templates for `templatefile`; `None` where templates are not available.
    pub render_template: Option<TemplateRenderer<'a>>,
}

/// Why a function call failed; messages use Terraform's wording.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FuncError {
    /// No function of that name.
    #[error("There is no function named \"{0}\".")]
    Unknown(String),
    /// Wrong number of arguments.
    #[error("{0}")]
    Arity(String),
    /// One argument is unsuitable; `index` is 0-based.
    #[error("{message}")]
    Arg {
        /// Which argument.
        index: usize,
        /// What is wrong with it.
        message: String,
    },
    /// The call failed for another reason.
    #[error("{0}")]
    Failed(String),
}

/// Calls the function `name`; fails when it does not exist or rejects its arguments.
pub fn call(_ctx: &FuncContext<'_>, name: &str, _args: Vec<Value>) -> Result<Value, FuncError> {
    Err(FuncError::Unknown(name.to_string()))
}

/// Whether a function of that name exists.
pub fn exists(_name: &str) -> bool {
    false
}
