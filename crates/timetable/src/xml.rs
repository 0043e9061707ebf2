//! A small element tree over quick-xml that remembers the line each element starts on, so
//! that every error about a `.fet` file can say where.

use crate::FetError;
use quick_xml::events::Event;
use quick_xml::Reader;

/// One XML element: its name, its text (as written, entities decoded; FET names may be
/// blank-padded), its children.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub text: String,
    pub children: Vec<Element>,
    /// 1-based line of the start tag.
    pub line: usize,
}

impl Element {
    /// Children with this name.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
    /// The first child with this name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }
    /// The text of the first child with this name.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }
}

/// Counts lines up to a byte offset, incrementally (offsets only grow while parsing).
struct Lines<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
}

impl Lines<'_> {
    fn at(&mut self, offset: usize) -> usize {
        let end = offset.min(self.bytes.len());
        if end > self.pos {
            self.line += self.bytes[self.pos..end]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.pos = end;
        }
        self.line
    }
}

/// Parses a whole document into its root element.
pub fn parse(text: &str) -> Result<Element, FetError> {
    let mut reader = Reader::from_str(text);
    let mut lines = Lines {
        bytes: text.as_bytes(),
        pos: 0,
        line: 1,
    };
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let offset = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| {
            FetError::at(
                lines.at(reader.buffer_position() as usize),
                "XML",
                e.to_string(),
            )
        })?;
        match event {
            Event::Start(s) => {
                let line = lines.at(offset);
                let name = String::from_utf8_lossy(s.name().as_ref()).into_owned();
                stack.push(Element {
                    name,
                    line,
                    ..Element::default()
                });
            }
            Event::Empty(s) => {
                let line = lines.at(offset);
                let name = String::from_utf8_lossy(s.name().as_ref()).into_owned();
                let el = Element {
                    name,
                    line,
                    ..Element::default()
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None if root.is_none() => root = Some(el),
                    None => {
                        return Err(FetError::at(
                            line,
                            "XML",
                            "more than one root element".into(),
                        ))
                    }
                }
            }
            Event::End(_) => {
                let mut el = stack.pop().ok_or_else(|| {
                    FetError::at(
                        lines.at(offset),
                        "XML",
                        "closing tag without an opening tag".into(),
                    )
                })?;
                if !el.children.is_empty() {
                    // Text between child elements is only indentation.
                    el.text.clear();
                }
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None if root.is_none() => root = Some(el),
                    None => {
                        return Err(FetError::at(
                            el.line,
                            "XML",
                            "more than one root element".into(),
                        ))
                    }
                }
            }
            Event::Text(t) => {
                if let Some(el) = stack.last_mut() {
                    let raw = t
                        .xml_content()
                        .map_err(|e| FetError::at(lines.at(offset), "XML", e.to_string()))?;
                    el.text.push_str(&raw);
                }
            }
            Event::CData(t) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::GeneralRef(r) => {
                if let Some(el) = stack.last_mut() {
                    let name = String::from_utf8_lossy(&r).into_owned();
                    let ch = match name.as_str() {
                        "amp" => "&".to_owned(),
                        "lt" => "<".to_owned(),
                        "gt" => ">".to_owned(),
                        "quot" => "\"".to_owned(),
                        "apos" => "'".to_owned(),
                        n => match r.resolve_char_ref() {
                            Ok(Some(c)) => c.to_string(),
                            _ => {
                                return Err(FetError::at(
                                    lines.at(offset),
                                    "XML",
                                    format!("unknown entity &{n};"),
                                ))
                            }
                        },
                    };
                    el.text.push_str(&ch);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(FetError::at(
            open.line,
            &open.name.clone(),
            "the file ends before this element is closed (truncated?)".into(),
        ));
    }
    root.ok_or_else(|| FetError::at(1, "XML", "the file has no root element".into()))
}
