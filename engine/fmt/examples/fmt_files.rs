//! Formats files in place, like `terraform fmt FILE...`; prints `ERR path: message` for files that
//! do not parse (and leaves them alone). Used to compare against Terraform on generated corpora.

fn main() {
    for path in std::env::args().skip(1) {
        let src = match std::fs::read_to_string(&path) {
            Ok(s) => s,
            Err(e) => {
                println!("ERR {path}: {e}");
                continue;
            }
        };
        match hangar_fmt::format(&src) {
            Ok(out) => {
                if let Err(e) = std::fs::write(&path, out) {
                    println!("ERR {path}: {e}");
                }
            }
            Err(e) => println!("ERR {path}: {e}"),
        }
    }
}
