//! Terraform's built-in function library, on Hangar values.
//!
//! It owns the functions and nothing else: it depends on `hangar-core` only, never on the
//! evaluator, the engine, state or providers.
//!
//! Functions take already-evaluated arguments. Unknown arguments give an unknown result and
//! sensitive arguments a sensitive result, unless a function is documented to treat them
//! otherwise. `can` and `try` are not here: they need unevaluated expressions, so the evaluator
//! implements them.
//!
//! Calls go through one dispatcher that behaves like HCL and cty's function machinery: it checks
//! the argument count (with HCL's wording), converts each argument to its parameter's type (with
//! cty's conversion messages), rejects nulls where a parameter does not allow them, returns an
//! unknown result when an argument is unknown (unless the function handles unknowns itself), and
//! takes sensitive marks off the arguments and puts them back on the result (unless the function
//! handles marks itself, as `length`, `lookup`, `merge`... do, keeping marks where they were).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::path::Path;

use hangar_core::{Type, Value};

mod collection;
mod conversion;
mod datetime;
mod encoding;
mod filesystem;
mod format;
mod hash;
mod ipnet;
mod json;
mod numeric;
mod reshape;
mod sets;
mod string;
mod util;
mod yaml;

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

impl FuncError {
    pub(crate) fn arg(index: usize, message: impl Into<String>) -> FuncError {
        FuncError::Arg {
            index,
            message: message.into(),
        }
    }

    pub(crate) fn fail(message: impl Into<String>) -> FuncError {
        FuncError::Failed(message.into())
    }

    /// The diagnostic summary Terraform shows for this error.
    pub fn summary(&self) -> &'static str {
        match self {
            FuncError::Unknown(_) => "Call to unknown function",
            FuncError::Arity(m) if m.contains("Missing value") => "Not enough function arguments",
            FuncError::Arity(_) => "Too many function arguments",
            FuncError::Arg { .. } => "Invalid function argument",
            FuncError::Failed(_) => "Error in function call",
        }
    }

    /// The diagnostic detail Terraform shows for this error in a call to `func`:
    /// `Invalid value for "str" parameter: ....` or `Call to function "x" failed: ....`.
    pub fn detail(&self, func: &str) -> String {
        match self {
            FuncError::Unknown(_) | FuncError::Arity(_) => self.to_string(),
            FuncError::Arg { index, message } => match param_name(func, *index) {
                Some(p) => format!("Invalid value for {p:?} parameter: {message}."),
                None => format!("Invalid value for unnamed parameter: {message}."),
            },
            FuncError::Failed(m) => format!("Call to function {func:?} failed: {m}."),
        }
    }
}

/// One parameter of a function.
#[derive(Clone)]
pub(crate) struct Param {
    pub name: &'static str,
    pub ty: Type,
    pub allow_null: bool,
    pub allow_unknown: bool,
    pub allow_marked: bool,
    pub allow_dynamic: bool,
}

pub(crate) fn p(name: &'static str, ty: Type) -> Param {
    Param {
        name,
        ty,
        allow_null: false,
        allow_unknown: false,
        allow_marked: false,
        allow_dynamic: false,
    }
}

impl Param {
    pub fn null(mut self) -> Self {
        self.allow_null = true;
        self
    }
    pub fn unknown(mut self) -> Self {
        self.allow_unknown = true;
        self
    }
    pub fn marked(mut self) -> Self {
        self.allow_marked = true;
        self
    }
    pub fn dynamic(mut self) -> Self {
        self.allow_dynamic = true;
        self
    }
}

/// Decides the result type from the arguments (may reject them), like cty's `TypeFunc`.
pub(crate) type TypeFn = fn(&[Value]) -> Result<Type, FuncError>;
/// The function's behaviour on checked arguments.
pub(crate) type ImplFn = fn(&Call<'_>, Vec<Value>, &Type) -> Result<Value, FuncError>;

/// A function's specification.
pub(crate) struct Def {
    pub params: Vec<Param>,
    pub var: Option<Param>,
    pub ty: Result<Type, TypeFn>,
    pub imp: ImplFn,
}

impl Def {
    pub fn new(params: Vec<Param>, ret: Type, imp: ImplFn) -> Def {
        Def {
            params,
            var: None,
            ty: Ok(ret),
            imp,
        }
    }
    pub fn var(mut self, v: Param) -> Def {
        self.var = Some(v);
        self
    }
    pub fn type_fn(mut self, f: TypeFn) -> Def {
        self.ty = Err(f);
        self
    }
}

/// What an implementation can see of the call.
pub(crate) struct Call<'a> {
    pub ctx: &'a FuncContext<'a>,
    pub name: &'a str,
}

fn lookup(name: &str) -> Option<Def> {
    string::def(name)
        .or_else(|| collection::def(name))
        .or_else(|| numeric::def(name))
        .or_else(|| encoding::def(name))
        .or_else(|| hash::def(name))
        .or_else(|| ipnet::def(name))
        .or_else(|| conversion::def(name))
        .or_else(|| filesystem::def(name))
        .or_else(|| datetime::def(name))
        .or_else(|| format::def(name))
}

/// Every function name this library provides.
pub const NAMES: &[&str] = &[
    "abs",
    "abspath",
    "alltrue",
    "anytrue",
    "base64decode",
    "base64encode",
    "base64gzip",
    "base64sha256",
    "base64sha512",
    "basename",
    "bcrypt",
    "ceil",
    "chomp",
    "chunklist",
    "cidrhost",
    "cidrnetmask",
    "cidrsubnet",
    "cidrsubnets",
    "coalesce",
    "coalescelist",
    "compact",
    "concat",
    "contains",
    "csvdecode",
    "dirname",
    "distinct",
    "element",
    "endswith",
    "file",
    "filebase64",
    "filebase64sha256",
    "filebase64sha512",
    "fileexists",
    "filemd5",
    "fileset",
    "filesha1",
    "filesha256",
    "filesha512",
    "flatten",
    "floor",
    "format",
    "formatdate",
    "formatlist",
    "indent",
    "index",
    "issensitive",
    "join",
    "jsondecode",
    "jsonencode",
    "keys",
    "length",
    "list",
    "log",
    "lookup",
    "lower",
    "map",
    "matchkeys",
    "max",
    "md5",
    "merge",
    "min",
    "nonsensitive",
    "one",
    "parseint",
    "pathexpand",
    "plantimestamp",
    "pow",
    "range",
    "regex",
    "regexall",
    "replace",
    "reverse",
    "rsadecrypt",
    "sensitive",
    "setintersection",
    "setproduct",
    "setsubtract",
    "setunion",
    "sha1",
    "sha256",
    "sha512",
    "signum",
    "slice",
    "sort",
    "split",
    "startswith",
    "strcontains",
    "strrev",
    "substr",
    "sum",
    "templatefile",
    "templatestring",
    "textdecodebase64",
    "textencodebase64",
    "timeadd",
    "timecmp",
    "timestamp",
    "title",
    "tobool",
    "tolist",
    "tomap",
    "tonumber",
    "toset",
    "tostring",
    "transpose",
    "trim",
    "trimprefix",
    "trimspace",
    "trimsuffix",
    "upper",
    "urlencode",
    "uuid",
    "uuidv5",
    "values",
    "yamldecode",
    "yamlencode",
    "zipmap",
    "ephemeralasnull",
];

/// Whether a function of that name exists.
pub fn exists(name: &str) -> bool {
    lookup(name).is_some()
}

/// The name of parameter `index` of function `func` (the variadic one past the fixed ones).
pub fn param_name(func: &str, index: usize) -> Option<String> {
    let def = lookup(func)?;
    def.params
        .get(index)
        .or(if index >= def.params.len() {
            def.var.as_ref()
        } else {
            None
        })
        .map(|p| p.name.to_string())
}

/// Calls the function `name`; fails when it does not exist or rejects its arguments.
pub fn call(ctx: &FuncContext<'_>, name: &str, args: Vec<Value>) -> Result<Value, FuncError> {
    let Some(def) = lookup(name) else {
        return Err(FuncError::Unknown(name.to_string()));
    };
    // Arity, as HCL checks it.
    if args.len() < def.params.len() {
        let missing = &def.params[args.len()];
        let qual = if def.var.is_some() { " at least" } else { "" };
        return Err(FuncError::Arity(format!(
            "Function {name:?} expects{qual} {} argument(s). Missing value for {:?}.",
            def.params.len(),
            missing.name
        )));
    }
    if def.var.is_none() && args.len() > def.params.len() {
        return Err(FuncError::Arity(format!(
            "Function {name:?} expects only {} argument(s).",
            def.params.len()
        )));
    }
    let param_of = |i: usize| -> &Param {
        def.params
            .get(i)
            .or(def.var.as_ref())
            .expect("arity checked")
    };
    // HCL converts every argument to its parameter's type first.
    let mut conv_args = Vec::with_capacity(args.len());
    for (i, a) in args.into_iter().enumerate() {
        let prm = param_of(i);
        let v =
            hangar_core::convert::convert(a, &prm.ty).map_err(|m| FuncError::arg(i, m.message))?;
        conv_args.push(v);
    }
    let args = conv_args;
    // cty's type check: nulls, dynamic types, the type function.
    let mut dynamic_short = false;
    for (i, a) in args.iter().enumerate() {
        let prm = param_of(i);
        if a.is_null() && !prm.allow_null {
            return Err(FuncError::arg(i, "argument must not be null"));
        }
        if Value::ty(a) == Type::Dynamic && !prm.allow_dynamic {
            dynamic_short = true;
        }
    }
    let any_marks = args.iter().any(Value::contains_sensitive);
    let type_args: Vec<Value> = args
        .iter()
        .enumerate()
        .map(|(i, a)| {
            if param_of(i).allow_marked {
                a.clone()
            } else {
                a.clone().unmark().0
            }
        })
        .collect();
    // cty skips the type function when an argument's type is not decided yet.
    let ret = match &def.ty {
        _ if dynamic_short => Type::Dynamic,
        Ok(t) => t.clone(),
        Err(f) => f(&type_args)?,
    };
    let unsupported_unknown = args
        .iter()
        .enumerate()
        .any(|(i, a)| a.is_unknown() && !param_of(i).allow_unknown);
    if unsupported_unknown {
        return Ok(Value::Unknown(ret).mark_if(any_marks));
    }
    let mut marked = false;
    let args: Vec<Value> = args
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            if param_of(i).allow_marked {
                a
            } else {
                let (v, m) = a.unmark_deep();
                marked |= m;
                v
            }
        })
        .collect();
    let call = Call { ctx, name };
    let out = (def.imp)(&call, args, &ret)?;
    Ok(out.mark_if(marked))
}
