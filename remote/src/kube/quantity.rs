//! Kubernetes resource quantities (`250m`, `2`, `1.5`, `512Mi`, `1G`, `1e3`) as numbers: CPU in
//! millicores, memory in bytes.
//!
//! Follows the documented quantity grammar: a decimal number, then a binary suffix (`Ki`, `Mi`,
//! `Gi`, `Ti`, `Pi`, `Ei`), a decimal suffix (`n`, `u`, `m`, `k`, `M`, `G`, `T`, `P`, `E`) or a
//! decimal exponent (`e3`, `E-2`). Fractions are rounded up, as the API server does. Malformed
//! text gives `None`, never a guess.

/// The quantity's value times `scale` (1000 for millicores, 1 for bytes), rounded up.
fn scaled(q: &str, scale: f64) -> Option<u64> {
    let q = q.trim();
    if q.is_empty() {
        return None;
    }
    let split = q
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(q.len());
    let (num, suffix) = q.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult: f64 = match suffix {
        "" => 1.0,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        s if s.starts_with(['e', 'E']) => 10f64.powi(s[1..].parse::<i32>().ok()?),
        _ => return None,
    };
    let v = n * mult * scale;
    if !v.is_finite() || v < 0.0 {
        return None;
    }
    Some(v.ceil() as u64)
}

/// A CPU quantity in millicores (`250m` → 250, `2` → 2000).
pub fn millicores(q: &str) -> Option<u64> {
    scaled(q, 1000.0)
}

/// A memory quantity in bytes (`512Mi` → 536870912, `1G` → 1000000000).
pub fn bytes(q: &str) -> Option<u64> {
    scaled(q, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_and_memory_follow_the_documented_suffixes() {
        assert_eq!(millicores("250m"), Some(250));
        assert_eq!(millicores("2"), Some(2000));
        assert_eq!(millicores("1.5"), Some(1500));
        assert_eq!(millicores("100000n"), Some(1));
        assert_eq!(bytes("512Mi"), Some(512 * 1024 * 1024));
        assert_eq!(bytes("1G"), Some(1_000_000_000));
        assert_eq!(bytes("1e3"), Some(1000));
        assert_eq!(bytes("8010812Ki"), Some(8_010_812 * 1024));
        assert_eq!(bytes("12X"), None);
        assert_eq!(bytes(""), None);
        assert_eq!(millicores("-1"), None);
    }
}
