//! The real `hashicorp/aws` plugin, where a filesystem mirror holds it (filled in below).

use libtest_mimic::Trial;

pub fn tests() -> Vec<Trial> {
    Vec::new()
}
