//! Time functions: `timestamp`, `plantimestamp`, `timeadd`, `timecmp`, `formatdate`.

use chrono::{DateTime, Datelike, Duration, FixedOffset, Offset, Timelike, Utc};
use hangar_core::Type;

use crate::util::{int, s, str_of};
use crate::{p, Def, FuncError};

pub(crate) fn def(name: &str) -> Option<Def> {
    let st = || Type::String;
    Some(match name {
        "timestamp" | "plantimestamp" => Def::new(vec![], st(), |_, _, _| {
            Ok(s(Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()))
        }),
        "timeadd" => Def::new(
            vec![p("timestamp", st()), p("duration", st())],
            st(),
            |_, a, _| {
                let t = parse_ts(str_of(&a[0])).map_err(FuncError::fail)?;
                let d = hangar_core::duration::parse(str_of(&a[1]))
                    .map_err(|e| FuncError::fail(e.to_string()))?;
                let t2 = t
                    .checked_add_signed(Duration::nanoseconds(d))
                    .ok_or_else(|| FuncError::fail("time out of range"))?;
                Ok(s(rfc3339(&t2)))
            },
        ),
        "timecmp" => Def::new(
            vec![p("timestamp_a", st()), p("timestamp_b", st())],
            Type::Number,
            |_, a, _| {
                let x = parse_ts(str_of(&a[0])).map_err(|m| FuncError::arg(0, m))?;
                let y = parse_ts(str_of(&a[1])).map_err(|m| FuncError::arg(1, m))?;
                Ok(int(match x.cmp(&y) {
                    std::cmp::Ordering::Less => -1,
                    std::cmp::Ordering::Equal => 0,
                    std::cmp::Ordering::Greater => 1,
                }))
            },
        ),
        "formatdate" => Def::new(vec![p("format", st()), p("time", st())], st(), |_, a, _| {
            let t = parse_ts(str_of(&a[1])).map_err(|m| FuncError::arg(1, m))?;
            format_date(str_of(&a[0]), &t)
                .map(s)
                .map_err(|m| FuncError::arg(0, m))
        }),
        _ => return None,
    })
}

/// Go's `time.RFC3339` layout; hand-written for byte-exact Terraform output.
fn rfc3339(t: &DateTime<FixedOffset>) -> String {
    let off = t.offset().fix().local_minus_utc();
    let base = t.format("%Y-%m-%dT%H:%M:%S").to_string();
    if off == 0 {
        format!("{base}Z")
    } else {
        format!("{base}{}", offset_str(off, true))
    }
}

fn offset_str(off: i32, colon: bool) -> String {
    let sign = if off < 0 { '-' } else { '+' };
    let a = off.abs();
    if colon {
        format!("{sign}{:02}:{:02}", a / 3600, (a % 3600) / 60)
    } else {
        format!("{sign}{:02}{:02}", a / 3600, (a % 3600) / 60)
    }
}

fn digits(b: &[u8], i: usize, n: usize) -> Option<u32> {
    if i + n > b.len() || !b[i..i + n].iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(&b[i..i + n]).ok()?.parse().ok()
}

/// Parses an RFC 3339 timestamp with cty's error wording (hand-written: byte-exact messages).
fn parse_ts(text: &str) -> Result<DateTime<FixedOffset>, String> {
    let b = text.as_bytes();
    let pre = "not a valid RFC3339 timestamp";
    let seg = |i: usize, n: usize, what: &str| -> Result<u32, String> {
        if i >= b.len() {
            return Err(format!("{pre}: end of string before {what}"));
        }
        digits(b, i, n).ok_or_else(|| format!("{pre}: cannot use {:?} as {what}", &text[i..]))
    };
    let lit = |i: usize, c: u8| -> Result<(), String> {
        match b.get(i) {
            None => Err(format!(
                "{pre}: end of string where {:?} is expected",
                c as char
            )),
            Some(&x) if x == c => Ok(()),
            Some(_) => Err(format!(
                "{pre}: found {:?} where {:?} is expected",
                &text[i..(i + 1).min(text.len())],
                (c as char).to_string()
            )),
        }
    };
    let year = seg(0, 4, "year")?;
    lit(4, b'-')?;
    let month = seg(5, 2, "month")?;
    lit(7, b'-')?;
    let day = seg(8, 2, "day of month")?;
    match b.get(10) {
        Some(b'T') => {}
        None => return Err(format!("{pre}: missing required time introducer 'T'")),
        _ => return Err(format!("{pre}: missing required time introducer 'T'")),
    }
    let hour = seg(11, 2, "hour")?;
    lit(13, b':')?;
    let min = seg(14, 2, "minute")?;
    lit(16, b':')?;
    let sec = seg(17, 2, "second")?;
    let mut i = 19;
    let mut nanos = 0u32;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        let mut j = start;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        let frac = &text[start..j];
        let mut f = frac.to_string();
        f.truncate(9);
        while f.len() < 9 {
            f.push('0');
        }
        nanos = f.parse().unwrap_or(0);
        i = j;
    }
    let off: i32 = match b.get(i) {
        None => return Err(format!("{pre}: end of string before UTC offset")),
        Some(b'Z') => {
            i += 1;
            0
        }
        Some(b'+') | Some(b'-') => {
            let sign = if b[i] == b'-' { -1 } else { 1 };
            let h = digits(b, i + 1, 2);
            let m = digits(b, i + 4, 2);
            if b.get(i + 3) != Some(&b':') || h.is_none() || m.is_none() {
                return Err(format!("{pre}: cannot use {:?} as UTC offset", &text[i..]));
            }
            let v = sign * (h.unwrap_or(0) as i32 * 3600 + m.unwrap_or(0) as i32 * 60);
            i += 6;
            v
        }
        Some(_) => return Err(format!("{pre}: cannot use {:?} as UTC offset", &text[i..])),
    };
    if i != b.len() {
        return Err(format!("{pre}: extra text: {:?}", &text[i..]));
    }
    if !(1..=12).contains(&month) {
        return Err(format!("{pre}: cannot use {:?} as month", &text[7..]));
    }
    if day > 31 {
        return Err(format!(
            "{pre}: cannot use {:?} as day of month",
            &text[10..]
        ));
    }
    if hour >= 24 {
        return Err(format!("{pre}: hour must be between 0 and 23 inclusive"));
    }
    if min >= 60 {
        return Err(format!("{pre}: minute must have exactly two digits"));
    }
    if sec >= 60 {
        return Err(format!("{pre}: cannot use {:?} as second", &text[19..]));
    }
    let tz = FixedOffset::east_opt(off).ok_or_else(|| format!("{pre}: UTC offset out of range"))?;
    let naive = chrono::NaiveDate::from_ymd_opt(year as i32, month, day)
        .ok_or_else(|| format!("{pre}: day out of range"))?
        .and_hms_nano_opt(hour, min, sec, nanos)
        .ok_or_else(|| format!("{pre}: time out of range"))?;
    naive
        .and_local_timezone(tz)
        .single()
        .ok_or_else(|| format!("{pre}: time out of range"))
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

fn format_date(spec: &str, t: &DateTime<FixedOffset>) -> Result<String, String> {
    let chars: Vec<char> = spec.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            let mut j = i + 1;
            let mut lit = String::new();
            let mut closed = false;
            while j < chars.len() {
                if chars[j] == '\'' {
                    if j + 1 < chars.len() && chars[j + 1] == '\'' {
                        lit.push('\'');
                        j += 2;
                        continue;
                    }
                    closed = true;
                    break;
                }
                lit.push(chars[j]);
                j += 1;
            }
            if j == i + 1 && closed {
                out.push('\'');
                i = j + 1;
                continue;
            }
            if !closed {
                return Err("unterminated literal '".into());
            }
            out.push_str(&lit);
            i = j + 1;
            continue;
        }
        if c.is_ascii_alphabetic() {
            let mut j = i;
            while j < chars.len() && chars[j] == c {
                j += 1;
            }
            let tok: String = chars[i..j].iter().collect();
            let off = t.offset().fix().local_minus_utc();
            let hour12 = |h: u32| if h.is_multiple_of(12) { 12 } else { h % 12 };
            let piece = match tok.as_str() {
                "YYYY" => format!("{:04}", t.year()),
                "YY" => format!("{:02}", t.year() % 100),
                "MMMM" => MONTHS[t.month0() as usize].to_string(),
                "MMM" => MONTHS[t.month0() as usize][..3].to_string(),
                "MM" => format!("{:02}", t.month()),
                "M" => t.month().to_string(),
                "DD" => format!("{:02}", t.day()),
                "D" => t.day().to_string(),
                "EEEE" => DAYS[t.weekday().num_days_from_sunday() as usize].to_string(),
                "EEE" => DAYS[t.weekday().num_days_from_sunday() as usize][..3].to_string(),
                "hh" => format!("{:02}", t.hour()),
                "h" => t.hour().to_string(),
                "HH" => format!("{:02}", hour12(t.hour())),
                "H" => hour12(t.hour()).to_string(),
                "AA" => (if t.hour() < 12 { "AM" } else { "PM" }).to_string(),
                "aa" => (if t.hour() < 12 { "am" } else { "pm" }).to_string(),
                "mm" => format!("{:02}", t.minute()),
                "m" => t.minute().to_string(),
                "ss" => format!("{:02}", t.second()),
                "s" => t.second().to_string(),
                "ZZZZZ" => offset_str(off, true),
                "ZZZZ" => offset_str(off, false),
                "ZZZ" => {
                    if off == 0 {
                        "UTC".to_string()
                    } else {
                        offset_str(off, false)
                    }
                }
                "Z" => {
                    if off == 0 {
                        "Z".to_string()
                    } else {
                        offset_str(off, true)
                    }
                }
                _ => {
                    let why = match c {
                        'Y' => ": year must either be \"YY\" or \"YYYY\"",
                        'M' => ": month must either be \"M\", \"MM\", \"MMM\", or \"MMMM\"",
                        'D' => ": day of month must either be \"D\" or \"DD\"",
                        'E' => ": day of week must either be \"EEE\" or \"EEEE\"",
                        'h' => ": 24-hour must either be \"h\" or \"hh\"",
                        'H' => ": 12-hour must either be \"H\" or \"HH\"",
                        'A' | 'a' => ": must be \"AA\" or \"aa\"",
                        'm' => ": minute must either be \"m\" or \"mm\"",
                        's' => ": second must either be \"s\" or \"ss\"",
                        'Z' => ": timezone must be Z, ZZZZ, or ZZZZZ",
                        _ => "",
                    };
                    return Err(format!("invalid date format verb {tok:?}{why}"));
                }
            };
            out.push_str(&piece);
            i = j;
            continue;
        }
        out.push(c);
        i += 1;
    }
    Ok(out)
}
