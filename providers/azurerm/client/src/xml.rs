//! Reading the few values Blob Storage's XML answers carry (error codes, blob names, list
//! markers), by element path, with the XML tokenizer the AWS SDK already builds.

/// The text of every element at `path` (outermost first), unescaped, in document order.
pub fn texts(xml: &str, path: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    for token in xmlparser::Tokenizer::from(xml) {
        let Ok(token) = token else { break };
        match token {
            xmlparser::Token::ElementStart { local, .. } => {
                stack.push(local.as_str().to_string());
                current = (stack.len() == path.len()
                    && stack.iter().zip(path).all(|(a, b)| a == b))
                .then(String::new);
            }
            xmlparser::Token::Text { text } | xmlparser::Token::Cdata { text, .. } => {
                if let Some(c) = current.as_mut() {
                    c.push_str(&unescape(text.as_str()));
                }
            }
            xmlparser::Token::ElementEnd { end, .. } => match end {
                xmlparser::ElementEnd::Open => {}
                xmlparser::ElementEnd::Close(..) | xmlparser::ElementEnd::Empty => {
                    if let Some(c) = current.take() {
                        if stack.len() == path.len() {
                            out.push(c);
                        }
                    }
                    stack.pop();
                }
            },
            _ => {}
        }
    }
    out
}

/// The text of the first element at `path`.
pub fn text(xml: &str, path: &[&str]) -> Option<String> {
    texts(xml, path).into_iter().next()
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_found_by_path() {
        let xml = r#"<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="x">
<Prefix>a</Prefix><Blobs><Blob><Name>a/1</Name><Properties><Etag>e</Etag></Properties></Blob>
<Blob><Name>a/2 &amp; b</Name></Blob></Blobs><NextMarker/></EnumerationResults>"#;
        assert_eq!(
            texts(xml, &["EnumerationResults", "Blobs", "Blob", "Name"]),
            ["a/1", "a/2 & b"]
        );
        assert_eq!(
            text(xml, &["EnumerationResults", "NextMarker"]).as_deref(),
            Some("")
        );
        assert_eq!(text(xml, &["Nope"]), None);
        let err = "<?xml version=\"1.0\"?><Error><Code>ContainerNotFound</Code>\
                   <Message>The specified container does not exist.</Message></Error>";
        assert_eq!(
            text(err, &["Error", "Code"]).as_deref(),
            Some("ContainerNotFound")
        );
    }
}
