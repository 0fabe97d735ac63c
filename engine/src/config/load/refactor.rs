//! `moved`, `removed`, `import` and `check` blocks.

use crate::moves::Endpoint;

use super::*;

impl Loader<'_> {
    /// The address an argument names, written as a reference (`aws_s3_bucket.b[0]`, `module.x`).
    fn endpoint(&mut self, b: &Block, key: &str) -> Option<Endpoint> {
        let Some(a) = b.body.get_attribute(key) else {
            self.err(
                "Missing required argument",
                format!("The argument \"{key}\" is required, but no definition was found."),
                b.ident.span(),
            );
            return None;
        };
        let text = a
            .value
            .span()
            .and_then(|s| self.file.code().get(s))
            .unwrap_or("")
            .to_string();
        match Endpoint::parse(&text) {
            Ok(e) => Some(e),
            Err(reason) => {
                self.err(
                    "Invalid address",
                    format!("{text}: {reason}"),
                    a.value.span(),
                );
                None
            }
        }
    }

    /// Reports any argument or block of `b` beyond `allowed`.
    fn only(&mut self, b: &Block, allowed: &[&str]) {
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) if !allowed.contains(&a.key.as_str()) => {
                    self.unsupported_argument(&a.key, allowed)
                }
                Structure::Block(i) if !allowed.contains(&i.ident.as_str()) => {
                    self.unsupported_block(&i.ident, allowed)
                }
                _ => {}
            }
        }
    }

    /// `moved { from = ..., to = ... }`.
    pub(super) fn moved(&mut self, b: &Block, decl: SourceRange) {
        self.only(b, &["from", "to"]);
        let (Some(from), Some(to)) = (self.endpoint(b, "from"), self.endpoint(b, "to")) else {
            return;
        };
        let kinds_match = matches!(
            (&from, &to),
            (Endpoint::Module(_), Endpoint::Module(_))
                | (
                    Endpoint::Resource(_) | Endpoint::Instance(_),
                    Endpoint::Resource(_) | Endpoint::Instance(_)
                )
        );
        if !kinds_match || from == to {
            self.err(
                "Invalid moved block",
                format!(
                    "A moved block moves a module to a module, or a resource to a resource, \
                     and to a different address (from {from} to {to})."
                ),
                b.ident.span(),
            );
            return;
        }
        self.module.moved.push(MovedBlock { from, to, decl });
    }

    /// `removed { from = ... lifecycle { destroy = false } }`.
    pub(super) fn removed(&mut self, b: &Block, decl: SourceRange) {
        self.only(b, &["from", "lifecycle"]);
        let Some(from) = self.endpoint(b, "from") else {
            return;
        };
        if let Endpoint::Instance(i) = &from {
            self.err(
                "Invalid removed block",
                format!("A removed block names a whole resource or module, not the instance {i}."),
                b.ident.span(),
            );
            return;
        }
        let mut destroy = true;
        for l in b.body.blocks().filter(|i| i.ident.as_str() == "lifecycle") {
            for a in l.body.attributes() {
                match a.key.as_str() {
                    "destroy" => destroy = self.bool_attr(a),
                    _ => self.unsupported_argument(&a.key, &["destroy"]),
                }
            }
        }
        self.module.removed.push(RemovedBlock {
            from,
            destroy,
            decl,
        });
    }

    /// `import { to = ADDRESS, id = "..." }`.
    pub(super) fn import(&mut self, b: &Block, decl: SourceRange) {
        self.only(b, &["to", "id", "provider"]);
        let to = match self.endpoint(b, "to") {
            Some(Endpoint::Instance(i)) => i,
            Some(Endpoint::Resource(r)) => r.instance(InstanceKey::None),
            Some(Endpoint::Module(m)) => {
                self.err(
                    "Invalid import address",
                    format!("An import block imports into a resource instance, not {m}."),
                    b.ident.span(),
                );
                return;
            }
            None => return,
        };
        if to.resource.mode == ResourceMode::Data {
            self.err(
                "Invalid import address",
                "Only managed resources can be imported.".into(),
                b.ident.span(),
            );
            return;
        }
        let Some(id) = b.body.get_attribute("id") else {
            self.err(
                "Missing required argument",
                "The argument \"id\" is required, but no definition was found.".into(),
                b.ident.span(),
            );
            return;
        };
        let id = self.expr(&id.value);
        self.module.imports.push(ImportBlock { to, id, decl });
    }

    /// `check "NAME" { assert { condition = ..., error_message = ... } }`.
    pub(super) fn check_block(&mut self, name: &str, b: &Block, decl: SourceRange) {
        let mut asserts = Vec::new();
        for s in b.body.iter() {
            match s {
                Structure::Block(i) if i.ident.as_str() == "assert" => {
                    asserts.extend(self.check(i));
                }
                Structure::Attribute(a) => self.unsupported_argument(&a.key, &[]),
                Structure::Block(i) => self.unsupported_block(&i.ident, &["assert"]),
            }
        }
        if asserts.is_empty() {
            self.err(
                "Missing assert block",
                "A check block needs at least one assert block.".into(),
                b.ident.span(),
            );
        }
        if self.module.checks.contains_key(name) {
            self.err(
                "Duplicate check block",
                format!("A check block named \"{name}\" was already defined."),
                b.ident.span(),
            );
            return;
        }
        self.module.checks.insert(
            name.to_string(),
            CheckBlock {
                name: name.to_string(),
                asserts,
                decl,
            },
        );
    }
}
