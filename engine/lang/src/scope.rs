//! The boundary between expressions and the names they refer to.
//!
//! The evaluator does not know what `var.x` or `aws_instance.a.id` mean; a [`Scope`] supplied by
//! the engine does. The scope sees the leading chain of attribute names of a reference and says
//! how many of them it consumed; the evaluator applies the rest, and any index or splat steps,
//! itself. Names bound by `for` expressions never reach the scope.

use hangar_core::Value;

/// Why a reference could not be resolved, in Terraform's wording.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{summary}: {detail}")]
pub struct ScopeError {
    /// One line, e.g. `Reference to undeclared input variable`.
    pub summary: String,
    /// The explanation, e.g. `An input variable with the name "x" has not been declared.`.
    pub detail: String,
}

impl ScopeError {
    /// A resolution failure with Terraform's summary and detail.
    pub fn new(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        ScopeError {
            summary: summary.into(),
            detail: detail.into(),
        }
    }
}

/// Resolves references (`var.x`, `local.y`, `aws_s3_bucket.b.id`, `count.index`...) to values.
pub trait Scope {
    /// Resolves a reference given its leading chain of attribute names (`["var","x"]`,
    /// `["aws_s3_bucket","b","id"]`, `["data","aws_region","r","name"]`, `["count","index"]`).
    ///
    /// Returns the value and how many names of the chain it consumed (at least one); fails when
    /// the name does not exist.
    fn resolve(&self, chain: &[&str]) -> Result<(Value, usize), ScopeError>;

    /// Resolves the whole `chain` and indexes the result with a known `key`, without copying
    /// the whole collection first (`aws_s3_bucket.b[0]` in a block with 10,000 instances).
    /// `None` when the scope has no faster way, or the index would fail: the evaluator then
    /// falls back to [`Scope::resolve`] and reports errors itself.
    fn resolve_index(&self, chain: &[&str], key: &Value) -> Option<Value> {
        let _ = (chain, key);
        None
    }

    /// [`Scope::resolve_index`] followed by the attribute `attr` of the element, copying only
    /// that attribute (`terraform_data.t[count.index].output`). `None` as there.
    fn resolve_index_attr(&self, chain: &[&str], key: &Value, attr: &str) -> Option<Value> {
        let _ = (chain, key, attr);
        None
    }
}

/// A scope in which no name exists, for constant expressions such as type defaults.
#[derive(Clone, Copy, Debug, Default)]
pub struct EmptyScope;

impl Scope for EmptyScope {
    fn resolve(&self, chain: &[&str]) -> Result<(Value, usize), ScopeError> {
        Err(ScopeError::new(
            "Variables not allowed",
            format!(
                "Variables may not be used here (found a reference to \"{}\").",
                chain.first().copied().unwrap_or_default()
            ),
        ))
    }
}
