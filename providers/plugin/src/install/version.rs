//! Versions and Terraform's version constraints (`"~> 5.0"`, `">= 1.2, < 2.0"`, `"= 4.1.0"`).
//!
//! A constraint is a comma-separated list of `OP VERSION` terms, all of which must hold.
//! Operators: `=` (or none), `!=`, `>`, `>=`, `<`, `<=`, and `~>` (the rightmost given
//! component may grow: `~> 5.0` is `>= 5.0, < 6.0`, `~> 5.0.3` is `>= 5.0.3, < 5.1.0`).
//! Missing components are zero. A prerelease version (`1.0.0-beta1`) matches only a term that
//! names exactly it, as in Terraform. Build metadata is ignored.

use std::cmp::Ordering;
use std::fmt;

/// A version: three numbers and an optional prerelease.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version {
    /// Major, minor, patch.
    pub parts: [u64; 3],
    /// Prerelease (`beta1`), empty for a release.
    pub pre: String,
}

/// Why a version or constraint could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid version constraint {text:?}: {reason}")]
pub struct ConstraintError {
    /// The text given.
    pub text: String,
    /// What is wrong.
    pub reason: String,
}

impl Version {
    /// Parses `1`, `1.2`, `1.2.3`, `v1.2.3`, `1.2.3-beta.1+build`; `None` when it is not one.
    pub fn parse(s: &str) -> Option<Version> {
        let s = s.trim().trim_start_matches('v');
        let s = s.split('+').next().unwrap_or(s);
        let (nums, pre) = match s.split_once('-') {
            Some((n, p)) => (n, p.to_string()),
            None => (s, String::new()),
        };
        let mut parts = [0u64; 3];
        let mut count = 0;
        for (i, n) in nums.split('.').enumerate() {
            if i >= 3 || n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            parts[i] = n.parse().ok()?;
            count += 1;
        }
        (count > 0).then_some(Version { parts, pre })
    }
}

impl Ord for Version {
    fn cmp(&self, o: &Self) -> Ordering {
        self.parts
            .cmp(&o.parts)
            .then_with(|| match (self.pre.is_empty(), o.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => cmp_pre(&self.pre, &o.pre),
            })
    }
}

fn cmp_pre(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.split('.'), b.split('.'));
    loop {
        match (x.next(), y.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(p), Some(q)) => {
                let o = match (p.parse::<u64>(), q.parse::<u64>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => p.cmp(q),
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c] = self.parts;
        write!(f, "{a}.{b}.{c}")?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Pessimistic,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    op: Op,
    version: Version,
    /// How many components were written (for `~>`).
    given: usize,
}

/// A version constraint: every term must hold. The empty constraint allows every release.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Constraint {
    terms: Vec<Term>,
    text: String,
}

impl Constraint {
    /// Parses Terraform's constraint syntax; fails on an unknown operator or a bad version.
    pub fn parse(text: &str) -> Result<Constraint, ConstraintError> {
        let err = |reason: &str| ConstraintError {
            text: text.to_string(),
            reason: reason.to_string(),
        };
        let mut terms = Vec::new();
        for raw in text.split(',') {
            let t = raw.trim();
            if t.is_empty() {
                if text.trim().is_empty() {
                    continue;
                }
                return Err(err("empty term"));
            }
            let (op, rest) = [
                ("~>", Op::Pessimistic),
                (">=", Op::Ge),
                ("<=", Op::Le),
                ("!=", Op::Ne),
                (">", Op::Gt),
                ("<", Op::Lt),
                ("=", Op::Eq),
            ]
            .iter()
            .find_map(|(s, op)| t.strip_prefix(s).map(|r| (*op, r)))
            .unwrap_or((Op::Eq, t));
            let rest = rest.trim();
            let version =
                Version::parse(rest).ok_or_else(|| err(&format!("{rest:?} is not a version")))?;
            let given = rest
                .split(['-', '+'])
                .next()
                .unwrap_or(rest)
                .split('.')
                .count();
            terms.push(Term { op, version, given });
        }
        Ok(Constraint {
            terms,
            text: text.trim().to_string(),
        })
    }

    /// Whether `v` satisfies every term.
    pub fn allows(&self, v: &Version) -> bool {
        if !v.pre.is_empty() {
            // Prereleases only match a term naming exactly that version.
            return !self.terms.is_empty()
                && self.terms.iter().any(|t| t.op == Op::Eq && t.version == *v)
                && self.terms.iter().all(|t| t.holds(v));
        }
        self.terms.iter().all(|t| t.holds(v))
    }

    /// The newest of `versions` this allows.
    pub fn newest<'a>(
        &self,
        versions: impl IntoIterator<Item = &'a Version>,
    ) -> Option<&'a Version> {
        versions.into_iter().filter(|v| self.allows(v)).max()
    }

    /// Both constraints at once (as Terraform merges a provider's constraints across modules).
    pub fn and(&self, other: &Constraint) -> Constraint {
        let mut terms = self.terms.clone();
        terms.extend(other.terms.iter().cloned());
        let text = [self.text.as_str(), other.text.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        Constraint { terms, text }
    }
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Term {
    fn holds(&self, v: &Version) -> bool {
        let w = &self.version;
        match self.op {
            Op::Eq => v == w,
            Op::Ne => v != w,
            Op::Gt => v > w,
            Op::Ge => v >= w,
            Op::Lt => v < w,
            Op::Le => v <= w,
            Op::Pessimistic => {
                if v < w {
                    return false;
                }
                // All components before the last given one must stay equal.
                let fixed = self.given.saturating_sub(1).clamp(1, 3);
                v.parts[..fixed] == w.parts[..fixed]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(c: &str, v: &str) -> bool {
        Constraint::parse(c)
            .expect("constraint")
            .allows(&Version::parse(v).expect("version"))
    }

    #[test]
    fn terraform_operators() {
        assert!(ok("~> 5.0", "5.100.0") && ok("~> 5.0", "5.0.0") && !ok("~> 5.0", "6.0.0"));
        assert!(!ok("~> 5.0", "4.9.9"));
        assert!(ok("~> 5.0.3", "5.0.9") && !ok("~> 5.0.3", "5.1.0") && !ok("~> 5.0.3", "5.0.2"));
        assert!(ok("~> 5", "5.9.0") && !ok("~> 5", "6.0.0"));
        assert!(ok(">= 1.2, < 2.0", "1.9.9") && !ok(">= 1.2, < 2.0", "2.0.0"));
        assert!(ok("= 4.1.0", "4.1.0") && ok("4.1.0", "4.1.0") && !ok("4.1", "4.1.1"));
        assert!(ok("!= 3.0.0", "3.0.1") && !ok("!= 3.0.0", "3.0.0"));
        assert!(ok("", "9.9.9"));
    }

    #[test]
    fn prereleases_need_an_exact_term() {
        assert!(!ok(">= 1.0.0", "2.0.0-beta1"));
        assert!(ok("2.0.0-beta1", "2.0.0-beta1"));
        let v: Vec<Version> = ["1.0.0", "1.1.0", "2.0.0-rc1", "1.10.0"]
            .iter()
            .filter_map(|s| Version::parse(s))
            .collect();
        let c = Constraint::parse("~> 1.0").expect("c");
        assert_eq!(
            c.newest(&v).map(ToString::to_string).as_deref(),
            Some("1.10.0")
        );
        assert!(Version::parse("1.0.0-rc1") < Version::parse("1.0.0"));
        assert!(Version::parse("1.0.0-beta.2") < Version::parse("1.0.0-beta.10"));
    }

    #[test]
    fn bad_constraints_say_why() {
        let e = Constraint::parse("~> five").expect_err("bad");
        assert_eq!(
            e.to_string(),
            "invalid version constraint \"~> five\": \"five\" is not a version"
        );
        assert!(Constraint::parse(">= 1.0,").is_err());
    }
}
