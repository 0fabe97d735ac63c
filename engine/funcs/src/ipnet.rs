//! Network functions: `cidrhost`, `cidrnetmask`, `cidrsubnet`, `cidrsubnets`.

use hangar_core::{Type, Value};
use num_bigint::{BigInt, Sign};

use crate::util::{s, str_of, to_int};
use crate::{p, Def, FuncError};

/// An address as a number with its width in bits (32 or 128).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Net {
    ip: u128,
    bits: u32,
    prefix: u32,
}

fn parse_v4(s: &str) -> Option<u128> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut v: u128 = 0;
    for p in parts {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u32 = p.parse().ok()?;
        if n > 255 {
            return None;
        }
        v = (v << 8) | n as u128;
    }
    Some(v)
}

fn parse_v6(s: &str) -> Option<u128> {
    // Handle an embedded IPv4 tail.
    let (head, tail4) = match s.rfind(':') {
        Some(i) if s[i + 1..].contains('.') => (&s[..=i], Some(parse_v4(&s[i + 1..])?)),
        _ => (s, None),
    };
    let head = if tail4.is_some() && head.ends_with(':') && !head.ends_with("::") {
        &head[..head.len() - 1]
    } else {
        head
    };
    let groups_needed = if tail4.is_some() { 6 } else { 8 };
    let parse_groups = |t: &str| -> Option<Vec<u16>> {
        if t.is_empty() {
            return Some(Vec::new());
        }
        t.split(':')
            .map(|g| {
                if g.is_empty() || g.len() > 4 {
                    None
                } else {
                    u16::from_str_radix(g, 16).ok()
                }
            })
            .collect()
    };
    let groups: Vec<u16> = if let Some(i) = head.find("::") {
        let left = parse_groups(&head[..i])?;
        let right = parse_groups(&head[i + 2..])?;
        if left.len() + right.len() >= groups_needed {
            return None;
        }
        let mut g = left;
        g.extend(std::iter::repeat_n(
            0,
            groups_needed - g.len() - right.len(),
        ));
        g.extend(right);
        g
    } else {
        let g = parse_groups(head)?;
        if g.len() != groups_needed {
            return None;
        }
        g
    };
    let mut v: u128 = 0;
    for g in groups {
        v = (v << 16) | g as u128;
    }
    if let Some(t) = tail4 {
        v = (v << 32) | t;
    }
    Some(v)
}

fn parse_cidr(text: &str) -> Result<Net, String> {
    let err = || format!("invalid CIDR address: {text}");
    let (addr, len) = text.split_once('/').ok_or_else(err)?;
    if len.is_empty() || len.len() > 3 || !len.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err());
    }
    let prefix: u32 = len.parse().map_err(|_| err())?;
    let (ip, bits) = if let Some(v4) = parse_v4(addr) {
        (v4, 32)
    } else if let Some(v6) = parse_v6(addr) {
        (v6, 128)
    } else {
        return Err(err());
    };
    if prefix > bits {
        return Err(err());
    }
    // IPv4-mapped IPv6 addresses are IPv4 addresses to Go.
    let (ip, bits, prefix) = if bits == 128 && ip >> 32 == 0xffff && prefix >= 96 {
        (ip & 0xffff_ffff, 32, prefix - 96)
    } else {
        (ip, bits, prefix)
    };
    let mask = mask_of(prefix, bits);
    Ok(Net {
        ip: ip & mask,
        bits,
        prefix,
    })
}

fn mask_of(prefix: u32, bits: u32) -> u128 {
    let all: u128 = if bits == 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    if prefix == 0 {
        0
    } else {
        all & !((1u128 << (bits - prefix)) - 1).min(all)
    }
}

fn ip_string(ip: u128, bits: u32) -> String {
    if bits == 32 {
        return format!(
            "{}.{}.{}.{}",
            (ip >> 24) & 255,
            (ip >> 16) & 255,
            (ip >> 8) & 255,
            ip & 255
        );
    }
    if ip >> 32 == 0xffff {
        return ip_string(ip & 0xffff_ffff, 32);
    }
    let groups: Vec<u16> = (0..8)
        .map(|i| ((ip >> (112 - 16 * i)) & 0xffff) as u16)
        .collect();
    // Longest run of zero groups (at least two) becomes "::".
    let (mut best, mut best_len) = (usize::MAX, 0);
    let mut i = 0;
    while i < 8 {
        if groups[i] == 0 {
            let j = (i..8).find(|&k| groups[k] != 0).unwrap_or(8);
            if j - i > best_len && j - i >= 2 {
                best = i;
                best_len = j - i;
            }
            i = j;
        } else {
            i += 1;
        }
    }
    let mut out = String::new();
    let mut i = 0;
    while i < 8 {
        if i == best {
            out.push_str("::");
            i += best_len;
            continue;
        }
        if !out.is_empty() && !out.ends_with(':') {
            out.push(':');
        }
        out.push_str(&format!("{:x}", groups[i]));
        i += 1;
    }
    out
}

fn big_of(v: &Value) -> Result<BigInt, FuncError> {
    let n = v
        .as_number()
        .ok_or_else(|| FuncError::fail("value must be a whole number"))?;
    if !n.is_integer() {
        return Err(FuncError::fail("value must be a whole number"));
    }
    n.to_bigint()
        .ok_or_else(|| FuncError::fail("value must be a whole number"))
}

fn to_u128(i: &BigInt) -> u128 {
    let (_, digits) = i.to_u64_digits();
    digits
        .iter()
        .take(2)
        .enumerate()
        .fold(0u128, |acc, (k, d)| acc | ((*d as u128) << (64 * k)))
}

pub(crate) fn def(name: &str) -> Option<Def> {
    let st = || Type::String;
    Some(match name {
        "cidrhost" => Def::new(
            vec![p("prefix", st()), p("hostnum", Type::Number)],
            st(),
            |_, a, _| {
                let num = big_of(&a[1])?;
                let net = parse_cidr(str_of(&a[0]))
                    .map_err(|e| FuncError::fail(format!("invalid CIDR expression: {e}")))?;
                let host_len = net.bits - net.prefix;
                let max: BigInt = (BigInt::from(1) << host_len) - 1;
                let mut num = num;
                if num.sign() == Sign::Minus {
                    num = &max + &num + 1;
                }
                if num > max || num.sign() == Sign::Minus {
                    return Err(FuncError::fail(format!(
                        "prefix of {} does not accommodate a host numbered {num}",
                        net.prefix
                    )));
                }
                Ok(s(ip_string(insert_num(net.ip, &num, 0), net.bits)))
            },
        ),
        "cidrnetmask" => Def::new(vec![p("prefix", st())], st(), |_, a, _| {
            let net = parse_cidr(str_of(&a[0]))
                .map_err(|e| FuncError::fail(format!("invalid CIDR expression: {e}")))?;
            if net.bits != 32 {
                return Err(FuncError::fail(format!(
                    "IPv6 addresses cannot have a netmask: {}",
                    str_of(&a[0])
                )));
            }
            Ok(s(ip_string(mask_of(net.prefix, 32), 32)))
        }),
        "cidrsubnet" => Def::new(
            vec![
                p("prefix", st()),
                p("newbits", Type::Number),
                p("netnum", Type::Number),
            ],
            st(),
            |_, a, _| {
                let newbits = to_int(&a[1]).map_err(FuncError::fail)?;
                let num = big_of(&a[2])?;
                let net = parse_cidr(str_of(&a[0]))
                    .map_err(|e| FuncError::fail(format!("invalid CIDR expression: {e}")))?;
                let new_len = net.prefix as i64 + newbits;
                if new_len > net.bits as i64 {
                    return Err(FuncError::fail(format!(
                        "insufficient address space to extend prefix of {} by {}",
                        net.prefix, newbits
                    )));
                }
                // Go compares the low 64 bits of |netnum| with 2^newbits-1 in uint64
                // arithmetic, where a shift by 64 or more (or a negative one) gives 0.
                let max_net: u64 = if (0..64).contains(&newbits) {
                    (1u64 << newbits).wrapping_sub(1)
                } else {
                    u64::MAX
                };
                let low = num
                    .magnitude()
                    .to_u64_digits()
                    .first()
                    .copied()
                    .unwrap_or(0);
                if low > max_net {
                    return Err(FuncError::fail(format!(
                        "prefix extension of {newbits} does not accommodate a subnet numbered {num}"
                    )));
                }
                let shift = net.bits as i64 - new_len;
                let ip =
                    insert_num(net.ip, &num, shift.max(0) as u32) & mask_of(net.bits, net.bits);
                let mask_len = new_len.max(0) as u32;
                Ok(s(format!("{}/{}", ip_string(ip, net.bits), mask_len)))
            },
        ),
        "cidrsubnets" => Def::new(
            vec![p("prefix", st())],
            Type::List(Box::new(st())),
            cidrsubnets,
        )
        .var(p("newbits", Type::Number)),
        _ => return None,
    })
}

fn cidrsubnets(_: &crate::Call<'_>, a: Vec<Value>, _: &Type) -> Result<Value, FuncError> {
    let net = parse_cidr(str_of(&a[0]))
        .map_err(|e| FuncError::arg(0, format!("invalid CIDR expression: {e}")))?;
    let lens = &a[1..];
    if lens.is_empty() {
        return Ok(Value::List(vec![]));
    }
    let first = to_int(&lens[0]).map_err(|m| FuncError::arg(1, m))? + net.prefix as i64;
    let bits = net.bits;
    let all = mask_of(bits, bits);
    // PreviousSubnet(network, first): the network just before, masked to `first` bits.
    let first_u = first.clamp(0, bits as i64) as u32;
    let mut cur_ip = net.ip.wrapping_sub(1) & all & mask_of(first_u, bits);
    let mut cur_len = first_u;
    let mut out = Vec::new();
    for (i, l) in lens.iter().enumerate() {
        let len = to_int(l).map_err(|m| FuncError::arg(i + 1, m))?;
        if len < 1 {
            return Err(FuncError::arg(
                i + 1,
                "must extend prefix by at least one bit",
            ));
        }
        if len > 32 {
            return Err(FuncError::arg(
                i + 1,
                "may not extend prefix by more than 32 bits",
            ));
        }
        let len = len + net.prefix as i64;
        if len > bits as i64 {
            let proto = if bits == 32 { "IPv4" } else { "IPv6" };
            return Err(FuncError::arg(
                i + 1,
                format!(
                    "would extend prefix to {len} bits, which is too long for an {proto} address"
                ),
            ));
        }
        let len = len as u32;
        // NextSubnet(current, len).
        let cur_last = cur_ip | (!mask_of(cur_len, bits) & all);
        let m = mask_of(len, bits);
        let sub = cur_last & m;
        let last = sub | (!m & all);
        let next_last = last.wrapping_add(1) & all;
        let next = next_last & m;
        let rollover = next_last == 0;
        let contained = next & mask_of(net.prefix, bits) == net.ip;
        if rollover || !contained {
            return Err(FuncError::arg(
                i + 1,
                format!(
                    "not enough remaining address space for a subnet with a prefix of {len} bits after {}/{}",
                    ip_string(cur_ip, bits),
                    cur_len
                ),
            ));
        }
        cur_ip = next;
        cur_len = len;
        out.push(s(format!("{}/{}", ip_string(cur_ip, bits), cur_len)));
    }
    Ok(Value::List(out))
}

/// cidr's `insertNumIntoIP`: the address ORed (two's complement, as Go's big.Int) with `num`
/// shifted left, then read back from the absolute value's bytes.
fn insert_num(ip: u128, num: &BigInt, shift: u32) -> u128 {
    let r = BigInt::from(ip) | (num.clone() << shift);
    to_u128(&BigInt::from(r.magnitude().clone()))
}
