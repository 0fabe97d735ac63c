//! Line framing for the local journal: each record is one line that proves its own integrity.
//!
//! A frame is `CRC LEN PAYLOAD\n`: the CRC-32 (IEEE) of the payload as 8 hex digits, the
//! payload's byte length in decimal, and the payload, which must not contain a newline
//! (compact JSON never does). Decoding stops at the first frame that is incomplete or does not
//! check out — what a crash in the middle of an append leaves. It does not try to resynchronise
//! after a bad frame: bytes after one were never acknowledged as durable.

/// CRC-32 (IEEE 802.3, as zlib computes it) of `bytes`: journals written before and after the
/// switch to `crc32fast` read alike.
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    crc32fast::hash(bytes)
}

/// Appends the frame of `payload` (which holds no newline) to `out`.
pub(crate) fn encode(payload: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(format!("{:08x} {} ", crc32(payload), payload.len()).as_bytes());
    out.extend_from_slice(payload);
    out.push(b'\n');
}

/// Payloads of the intact frames at the start of `buf`, stopping at the first one that is torn
/// or fails its check.
pub(crate) fn decode(buf: &[u8]) -> Vec<&[u8]> {
    let mut frames = Vec::new();
    let mut pos = 0;
    while let Some(nl) = buf[pos..].iter().position(|&b| b == b'\n') {
        let Some(payload) = check(&buf[pos..pos + nl]) else {
            break;
        };
        frames.push(payload);
        pos += nl + 1;
    }
    frames
}

/// The payload of one line if its header matches it.
fn check(line: &[u8]) -> Option<&[u8]> {
    let (crc, rest) = split_field(line)?;
    let (len, payload) = split_field(rest)?;
    let crc = u32::from_str_radix(std::str::from_utf8(crc).ok()?, 16).ok()?;
    let len: usize = std::str::from_utf8(len).ok()?.parse().ok()?;
    (payload.len() == len && crc32(payload) == crc).then_some(payload)
}

fn split_field(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let sp = bytes.iter().position(|&b| b == b' ')?;
    Some((&bytes[..sp], &bytes[sp + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn frames_written_by_earlier_versions_still_read() {
        // Written by the hand-written table CRC this module used before `crc32fast`.
        let old = b"f8dd5764 23 {\"serial\":3,\"op\":\"put\"}\n";
        assert_eq!(decode(old), vec![&b"{\"serial\":3,\"op\":\"put\"}"[..]]);
    }

    #[test]
    fn frames_round_trip() {
        let mut buf = Vec::new();
        encode(b"{\"a\":1}", &mut buf);
        encode(b"", &mut buf);
        encode(b"x y z", &mut buf);
        assert_eq!(decode(&buf), vec![&b"{\"a\":1}"[..], b"", b"x y z"]);
    }

    #[test]
    fn every_truncation_keeps_exactly_the_whole_frames() {
        let mut buf = Vec::new();
        encode(b"first", &mut buf);
        let first_end = buf.len();
        encode(b"second entry", &mut buf);
        for cut in 0..buf.len() {
            let expected: Vec<&[u8]> = if cut >= first_end {
                vec![b"first"]
            } else {
                vec![]
            };
            assert_eq!(decode(&buf[..cut]), expected, "cut at {cut}");
        }
    }

    #[test]
    fn a_flipped_byte_ends_the_valid_prefix() {
        let mut buf = Vec::new();
        encode(b"first", &mut buf);
        let first_end = buf.len();
        encode(b"second", &mut buf);
        encode(b"third", &mut buf);
        buf[first_end + 13] ^= 0x20;
        assert_eq!(decode(&buf), vec![&b"first"[..]]);
    }
}
