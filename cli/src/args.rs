//! Terraform's spelling of flags, accepted beside Hangar's GNU style.
//!
//! Terraform writes long flags with one dash (`-out=tfplan`, `-var 'a=b'`, `-chdir=DIR`,
//! `-auto-approve`); Hangar's parser takes `--out`. Before parsing, every single-dash argument
//! naming one of Hangar's long flags is rewritten to its double-dash form; short flags (`-C`,
//! `-w`), values and anything after `--` are left alone. Hangar's own messages always quote
//! the GNU spelling.

use std::collections::HashSet;
use std::ffi::OsString;

use clap::CommandFactory;

use crate::Cli;

/// Every long flag name of every subcommand.
fn long_flags() -> HashSet<String> {
    fn walk(c: &clap::Command, out: &mut HashSet<String>) {
        for a in c.get_arguments() {
            if let Some(l) = a.get_long() {
                out.insert(l.to_string());
            }
        }
        for s in c.get_subcommands() {
            walk(s, out);
        }
    }
    let mut out = HashSet::new();
    walk(&Cli::command(), &mut out);
    out.insert("help".into());
    out.insert("version".into());
    out
}

/// `args` with Terraform's single-dash long flags rewritten to `--flag`.
pub fn gnu_style(args: Vec<OsString>) -> Vec<OsString> {
    let longs = long_flags();
    let mut out = Vec::with_capacity(args.len());
    let mut rest = false;
    for (i, a) in args.into_iter().enumerate() {
        let text = a.to_str().map(str::to_string);
        match text {
            Some(t) if i > 0 && !rest && t == "--" => {
                rest = true;
                out.push(a);
            }
            Some(t) if i > 0 && !rest && is_terraform_flag(&t, &longs) => {
                out.push(OsString::from(format!("-{t}")));
            }
            _ => out.push(a),
        }
    }
    out
}

fn is_terraform_flag(t: &str, longs: &HashSet<String>) -> bool {
    let Some(body) = t.strip_prefix('-') else {
        return false;
    };
    if body.starts_with('-') || body.len() < 2 {
        return false;
    }
    let name = body.split('=').next().unwrap_or(body);
    longs.contains(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn terraform_spellings_become_gnu_ones() {
        let got = gnu_style(os(&[
            "hangar",
            "-chdir=dir",
            "plan",
            "-out=tfplan",
            "-var",
            "a=b",
            "-detailed-exitcode",
            "-lock=false",
            "-w",
            "eu",
            "--var",
            "-x",
        ]));
        assert_eq!(
            got,
            os(&[
                "hangar",
                "--chdir=dir",
                "plan",
                "--out=tfplan",
                "--var",
                "a=b",
                "--detailed-exitcode",
                "--lock=false",
                "-w",
                "eu",
                "--var",
                "-x",
            ])
        );
    }
}
