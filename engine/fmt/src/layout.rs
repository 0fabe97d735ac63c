//! The whitespace layout `terraform fmt` imposes on a token sequence (hclwrite's formatter).
//!
//! Only the spaces before each token change; token text never does. The tokens are cut into
//! lines at newline tokens (a line comment counts as one; a heredoc, whose body is literal tokens,
//! stays inside one line). Each line is split into up to three cells: a *lead*, an *assign* cell
//! starting at the line's first `=` when the rest of the line is bracket-balanced, and a trailing
//! line *comment*. Then, in order:
//! 1. indentation: two spaces per level, where a line that opens more brackets than it closes
//!    pushes a level and one that closes more pops as many levels as it closed;
//! 2. spacing inside each cell, decided for each pair of neighbouring tokens;
//! 3. alignment: consecutive lines that have an assign cell pad their `=` to one column, then
//!    consecutive lines that have a comment cell pad their comments to one column. Widths count
//!    grapheme clusters from the start of the line.
//!
//! Deliberately left out: any change to which tokens are present (see [`crate::terraform`]).

use unicode_segmentation::UnicodeSegmentation;

use crate::lexer::{Kind, Token};

/// Index ranges of one line's cells in the token vector.
#[derive(Debug, Clone, Copy, Default)]
struct Line {
    lead: (usize, usize),
    assign: Option<(usize, usize)>,
    comment: Option<usize>,
}

/// Sets the `spaces` of every token as `terraform fmt` lays them out.
pub(crate) fn layout(tokens: &mut [Token]) {
    let lines = split_lines(tokens);
    indent(tokens, &lines);
    space(tokens, &lines);
    align(tokens, &lines);
}

/// Writes the tokens out with their spaces.
pub(crate) fn render(tokens: &[Token]) -> String {
    let len = tokens.iter().map(|t| t.spaces + t.text.len()).sum();
    let mut out = String::with_capacity(len);
    for t in tokens {
        out.extend(std::iter::repeat_n(' ', t.spaces));
        out.push_str(&t.text);
    }
    out
}

fn split_lines(tokens: &[Token]) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, t) in tokens.iter().enumerate() {
        if t.ends_line() {
            lines.push(Line {
                lead: (start, i + 1),
                ..Line::default()
            });
            start = i + 1;
        }
    }
    if start < tokens.len() {
        lines.push(Line {
            lead: (start, tokens.len()),
            ..Line::default()
        });
    }
    for line in &mut lines {
        let (s, e) = line.lead;
        if e - s > 1 && tokens[e - 1].kind == Kind::Comment {
            line.comment = Some(e - 1);
            line.lead.1 = e - 1;
        }
        let (s, e) = line.lead;
        if let Some(eq) = (s + 1..e).find(|&i| tokens[i].kind == Kind::Equal) {
            if net_brackets(&tokens[eq..e]) == 0 {
                line.assign = Some((eq, e));
                line.lead.1 = eq;
            }
        }
    }
    lines
}

/// Net bracket change over `tokens`, not looking past a heredoc introducer.
fn net_brackets(tokens: &[Token]) -> i32 {
    let mut net = 0;
    for t in tokens {
        net += t.bracket_change();
        if t.kind == Kind::OHeredoc {
            break;
        }
    }
    net
}

fn indent(tokens: &mut [Token], lines: &[Line]) {
    let mut levels: Vec<i32> = Vec::with_capacity(10);
    for line in lines {
        let (s, e) = line.lead;
        if s == e {
            continue;
        }
        if tokens[s].kind == Kind::Newline {
            tokens[s].spaces = 0;
            continue;
        }
        let mut net = net_brackets(&tokens[s..e]);
        if let Some((a, b)) = line.assign {
            net += net_brackets(&tokens[a..b]);
        }
        if net > 0 {
            tokens[s].spaces = 2 * levels.len();
            levels.push(net);
        } else {
            let mut closed = -net;
            while closed > 0 {
                let Some(top) = levels.last_mut() else {
                    break;
                };
                if closed >= *top {
                    closed -= *top;
                    levels.pop();
                } else {
                    *top -= closed;
                    closed = 0;
                }
            }
            tokens[s].spaces = 2 * levels.len();
        }
    }
}

fn space(tokens: &mut [Token], lines: &[Line]) {
    for line in lines {
        space_cell(tokens, line.lead);
        if let Some((a, b)) = line.assign {
            // The `=` is separated from what it assigns; alignment may widen this later.
            tokens[a].spaces = 1;
            space_cell(tokens, (a, b));
        }
    }
}

fn space_cell(tokens: &mut [Token], (s, e): (usize, usize)) {
    for i in s..e.saturating_sub(1) {
        let before = if i > s {
            Some(tokens[i - 1].kind)
        } else {
            None
        };
        let spaced = space_after(&tokens[i], before, &tokens[i + 1]);
        tokens[i + 1].spaces = usize::from(spaced);
    }
}

/// Whether one space goes between `subject` and `after`; `before` is the token preceding
/// `subject` within the same cell.
fn space_after(subject: &Token, before: Option<Kind>, after: &Token) -> bool {
    use Kind::*;
    let (s, a) = (subject.kind, after.kind);
    if a == Newline {
        return false;
    }
    if s == Ident && a == OParen {
        return false;
    }
    if (s == Ident && a == DoubleColon) || (s == DoubleColon && a == Ident) {
        return false;
    }
    if s == Dot || a == Dot {
        return false;
    }
    if a == Comma || a == Ellipsis {
        return false;
    }
    if s == Comma {
        return true;
    }
    if matches!(s, QuotedLit | StringLit | OQuote | OHeredoc)
        || matches!(a, QuotedLit | StringLit | CQuote | CHeredoc)
    {
        return false;
    }
    if s == Minus {
        // Negation hugs its operand; subtraction is spaced.
        return !matches!(
            before,
            None | Some(
                OParen
                    | OBrace
                    | OBrack
                    | Equal
                    | Colon
                    | Comma
                    | Question
                    | Plus
                    | Minus
                    | Star
                    | Slash
                    | Percent
                    | EqualOp
                    | NotEqual
                    | Gt
                    | Gte
                    | Lt
                    | Lte
                    | And
                    | Or
                    | Bang
            )
        );
    }
    if s == OBrace || a == CBrace {
        return !(s == OBrace && a == CBrace);
    }
    if matches!(s, TemplateInterp | TemplateControl) && a == OBrace {
        return true;
    }
    if s == CBrace && a == TemplateSeqEnd {
        return true;
    }
    if s == TemplateSeqEnd && matches!(a, TemplateInterp | TemplateControl) {
        return false;
    }
    if a == OBrack && (s == Ident || s == Number || subject.bracket_change() < 0) {
        return false;
    }
    if s == Bang {
        return false;
    }
    if subject.bracket_change() > 0 {
        return false;
    }
    if after.bracket_change() < 0 {
        return false;
    }
    true
}

fn columns(tokens: &[Token]) -> usize {
    tokens
        .iter()
        .map(|t| t.spaces + t.text.graphemes(true).count())
        .sum()
}

fn align(tokens: &mut [Token], lines: &[Line]) {
    // `=` of consecutive assign lines.
    let mut run: Vec<&Line> = Vec::new();
    let flush = |tokens: &mut [Token], run: &mut Vec<&Line>| {
        let width = run
            .iter()
            .map(|l| columns(&tokens[l.lead.0..l.lead.1]))
            .max()
            .unwrap_or(0);
        for l in run.drain(..) {
            if let Some((a, _)) = l.assign {
                tokens[a].spaces = width - columns(&tokens[l.lead.0..l.lead.1]) + 1;
            }
        }
    };
    for line in lines {
        if line.assign.is_some() {
            run.push(line);
        } else if !run.is_empty() {
            flush(tokens, &mut run);
        }
    }
    flush(tokens, &mut run);

    // Trailing comments of consecutive lines.
    let width_of = |tokens: &[Token], l: &Line| {
        columns(&tokens[l.lead.0..l.lead.1]) + l.assign.map_or(0, |(a, b)| columns(&tokens[a..b]))
    };
    let mut run: Vec<&Line> = Vec::new();
    let flush = |tokens: &mut [Token], run: &mut Vec<&Line>| {
        let width = run.iter().map(|l| width_of(tokens, l)).max().unwrap_or(0);
        for l in run.drain(..) {
            let w = width_of(tokens, l);
            if let Some(c) = l.comment {
                tokens[c].spaces = width - w + 1;
            }
        }
    };
    for line in lines {
        if line.comment.is_some() {
            run.push(line);
        } else if !run.is_empty() {
            flush(tokens, &mut run);
        }
    }
    flush(tokens, &mut run);
}
