//! Reading Python pickles as data, never as code: a small stack machine for the opcodes of
//! protocols 0–5 that plain containers use, in which a global (`GLOBAL`, `STACK_GLOBAL`) is
//! only a name and a call (`REDUCE`, `NEWOBJ`, `BUILD`) only a record of what was called with
//! what. Nothing is imported or executed; the caller interprets the records it knows
//! (`numpy_array` below reads the pattern numpy pickles arrays with). Limits: a file of at
//! most `MAX_BYTES`, no more than `MAX_ITEMS` values on the stack and in the memo.
use anyhow::{bail, ensure, Context, Result};
use std::collections::BTreeMap;

/// A pickled value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Python 3 `str`.
    Str(String),
    /// Python 2 `str` and Python 3 `bytes`: raw bytes.
    Bytes(Vec<u8>),
    List(Vec<Value>),
    Tuple(Vec<Value>),
    Dict(Vec<(Value, Value)>),
    /// `module.name`, not resolved.
    Global(String, String),
    /// `callable(*args)`, not called.
    Call(Box<Value>, Vec<Value>),
    /// `obj.__setstate__(state)`, not applied.
    Build(Box<Value>, Box<Value>),
}

impl Value {
    /// The entry under a text key (`str` or Python 2 `str`).
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Dict(items) => items.iter().find(|(k, _)| matches!(k, Value::Str(s) if s == key) || matches!(k, Value::Bytes(b) if b == key.as_bytes())).map(|(_, v)| v),
            _ => None,
        }
    }
}

const MAX_BYTES: usize = 1 << 30;
const MAX_ITEMS: usize = 50_000_000;

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        ensure!(self.pos + n <= self.data.len(), "the pickle ends inside a value at byte {}", self.pos);
        let out = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn uint(&mut self, n: usize) -> Result<u64> {
        let mut v = 0u64;
        for (i, b) in self.take(n)?.iter().enumerate() {
            v |= u64::from(*b) << (8 * i);
        }
        Ok(v)
    }

    fn line(&mut self) -> Result<&'a str> {
        let end = self.data[self.pos..].iter().position(|&b| b == b'\n').context("a text opcode has no end of line")?;
        let s = std::str::from_utf8(&self.data[self.pos..self.pos + end]).context("a text opcode is not UTF-8")?;
        self.pos += end + 1;
        Ok(s)
    }
}

/// Unescapes a protocol-0 `STRING` argument ('…' or "…" with Python escapes) to bytes.
fn unescape(quoted: &str) -> Result<Vec<u8>> {
    let inner = quoted.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')).or_else(|| quoted.strip_prefix('"').and_then(|s| s.strip_suffix('"'))).context("a STRING is not quoted")?;
    let bytes = inner.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let c = *bytes.get(i + 1).context("a STRING ends in a backslash")?;
        i += 2;
        match c {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'\\' | b'\'' | b'"' => out.push(c),
            b'x' => {
                let hex = std::str::from_utf8(bytes.get(i..i + 2).context("a short \\x escape")?)?;
                out.push(u8::from_str_radix(hex, 16)?);
                i += 2;
            }
            other => bail!("the escape \\{} is not read here", other as char),
        }
    }
    Ok(out)
}

fn pop(stack: &mut Vec<Value>) -> Result<Value> {
    stack.pop().context("the pickle pops an empty stack")
}

fn pop_mark(stack: &mut Vec<Value>, marks: &mut Vec<usize>) -> Result<Vec<Value>> {
    let at = marks.pop().context("the pickle closes a mark it never opened")?;
    ensure!(at <= stack.len(), "a mark lies above the stack");
    Ok(stack.split_off(at))
}

fn pairs(items: Vec<Value>) -> Result<Vec<(Value, Value)>> {
    ensure!(items.len().is_multiple_of(2), "SETITEMS with an odd number of values");
    let mut it = items.into_iter();
    let mut out = Vec::new();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        out.push((k, v));
    }
    Ok(out)
}

fn add_to_last(stack: &mut [Value], items: Vec<Value>, what: &str) -> Result<()> {
    match stack.last_mut() {
        Some(Value::List(list)) => list.extend(items),
        Some(Value::Dict(map)) if what == "dict" => map.extend(pairs(items)?),
        _ => bail!("{what} items added to something that is not a {what}"),
    }
    Ok(())
}

/// Parses a pickle into its value.
pub fn parse(data: &[u8]) -> Result<Value> {
    ensure!(data.len() <= MAX_BYTES, "the pickle is {} bytes; at most {MAX_BYTES} are read", data.len());
    let mut r = Reader { data, pos: 0 };
    let mut stack: Vec<Value> = Vec::new();
    let mut marks: Vec<usize> = Vec::new();
    let mut memo: BTreeMap<u64, Value> = BTreeMap::new();
    loop {
        ensure!(stack.len() + memo.len() < MAX_ITEMS, "the pickle holds more than {MAX_ITEMS} values");
        let at = r.pos;
        let op = r.u8().context("the pickle ends without STOP")?;
        match op {
            0x80 => {
                r.u8()?; // PROTO n
            }
            0x95 => {
                r.uint(8)?; // FRAME: a length hint
            }
            b'.' => return pop(&mut stack),
            b'(' => marks.push(stack.len()),
            b'N' => stack.push(Value::None),
            0x88 => stack.push(Value::Bool(true)),
            0x89 => stack.push(Value::Bool(false)),
            b'J' => stack.push(Value::Int(r.uint(4)? as u32 as i32 as i64)),
            b'K' => stack.push(Value::Int(r.uint(1)? as i64)),
            b'M' => stack.push(Value::Int(r.uint(2)? as i64)),
            0x8a => {
                let n = r.u8()? as usize;
                ensure!(n <= 8, "a LONG1 of {n} bytes does not fit 64 bits");
                let raw = r.take(n)?;
                let mut v: i64 = 0;
                for (i, b) in raw.iter().enumerate() {
                    v |= i64::from(*b) << (8 * i);
                }
                if n > 0 && n < 8 && raw[n - 1] & 0x80 != 0 {
                    v -= 1 << (8 * n);
                }
                stack.push(Value::Int(v));
            }
            b'I' => {
                let line = r.line()?;
                stack.push(match line {
                    "00" => Value::Bool(false),
                    "01" => Value::Bool(true),
                    n => Value::Int(n.parse().with_context(|| format!("INT `{n}`"))?),
                });
            }
            b'L' => {
                let line = r.line()?;
                stack.push(Value::Int(line.trim_end_matches('L').parse().with_context(|| format!("LONG `{line}`"))?));
            }
            b'G' => stack.push(Value::Float(f64::from_be_bytes(r.take(8)?.try_into().expect("8 bytes")))),
            b'F' => stack.push(Value::Float(r.line()?.parse().context("FLOAT")?)),
            b'U' => {
                let n = r.uint(1)? as usize;
                stack.push(Value::Bytes(r.take(n)?.to_vec()));
            }
            b'T' => {
                let n = r.uint(4)? as usize;
                stack.push(Value::Bytes(r.take(n)?.to_vec()));
            }
            b'S' => stack.push(Value::Bytes(unescape(r.line()?)?)),
            b'C' => {
                let n = r.uint(1)? as usize;
                stack.push(Value::Bytes(r.take(n)?.to_vec()));
            }
            b'B' => {
                let n = r.uint(4)? as usize;
                stack.push(Value::Bytes(r.take(n)?.to_vec()));
            }
            0x8e => {
                let n = r.uint(8)? as usize;
                stack.push(Value::Bytes(r.take(n)?.to_vec()));
            }
            0x8c => {
                let n = r.uint(1)? as usize;
                stack.push(Value::Str(String::from_utf8(r.take(n)?.to_vec()).context("SHORT_BINUNICODE")?));
            }
            b'X' => {
                let n = r.uint(4)? as usize;
                stack.push(Value::Str(String::from_utf8(r.take(n)?.to_vec()).context("BINUNICODE")?));
            }
            0x8d => {
                let n = r.uint(8)? as usize;
                stack.push(Value::Str(String::from_utf8(r.take(n)?.to_vec()).context("BINUNICODE8")?));
            }
            b'V' => stack.push(Value::Str(r.line()?.to_string())),
            b']' => stack.push(Value::List(Vec::new())),
            b'l' => {
                let items = pop_mark(&mut stack, &mut marks)?;
                stack.push(Value::List(items));
            }
            b'a' => {
                let v = pop(&mut stack)?;
                add_to_last(&mut stack, vec![v], "list")?;
            }
            b'e' => {
                let items = pop_mark(&mut stack, &mut marks)?;
                add_to_last(&mut stack, items, "list")?;
            }
            b'}' => stack.push(Value::Dict(Vec::new())),
            b'd' => {
                let items = pop_mark(&mut stack, &mut marks)?;
                stack.push(Value::Dict(pairs(items)?));
            }
            b's' => {
                let v = pop(&mut stack)?;
                let k = pop(&mut stack)?;
                add_to_last(&mut stack, vec![k, v], "dict")?;
            }
            b'u' => {
                let items = pop_mark(&mut stack, &mut marks)?;
                add_to_last(&mut stack, items, "dict")?;
            }
            b')' => stack.push(Value::Tuple(Vec::new())),
            b't' => {
                let items = pop_mark(&mut stack, &mut marks)?;
                stack.push(Value::Tuple(items));
            }
            0x85..=0x87 => {
                let n = usize::from(op - 0x84);
                ensure!(stack.len() >= n, "TUPLE{n} on a stack of {}", stack.len());
                let items = stack.split_off(stack.len() - n);
                stack.push(Value::Tuple(items));
            }
            b'c' => {
                let module = r.line()?.to_string();
                let name = r.line()?.to_string();
                stack.push(Value::Global(module, name));
            }
            0x93 => {
                let name = pop(&mut stack)?;
                let module = pop(&mut stack)?;
                match (module, name) {
                    (Value::Str(m), Value::Str(n)) => stack.push(Value::Global(m, n)),
                    _ => bail!("STACK_GLOBAL needs two strings"),
                }
            }
            b'R' | 0x81 => {
                let args = pop(&mut stack)?;
                let callable = pop(&mut stack)?;
                let args = match args {
                    Value::Tuple(items) => items,
                    other => bail!("a call's arguments are {other:?}, not a tuple"),
                };
                stack.push(Value::Call(Box::new(callable), args));
            }
            b'b' => {
                let state = pop(&mut stack)?;
                let obj = pop(&mut stack)?;
                stack.push(Value::Build(Box::new(obj), Box::new(state)));
            }
            b'q' => {
                let i = r.uint(1)?;
                memo.insert(i, stack.last().context("BINPUT on an empty stack")?.clone());
            }
            b'r' => {
                let i = r.uint(4)?;
                memo.insert(i, stack.last().context("LONG_BINPUT on an empty stack")?.clone());
            }
            b'p' => {
                let i: u64 = r.line()?.parse().context("PUT")?;
                memo.insert(i, stack.last().context("PUT on an empty stack")?.clone());
            }
            0x94 => {
                let i = memo.len() as u64;
                memo.insert(i, stack.last().context("MEMOIZE on an empty stack")?.clone());
            }
            b'h' | b'j' | b'g' => {
                let i = match op {
                    b'h' => r.uint(1)?,
                    b'j' => r.uint(4)?,
                    _ => r.line()?.parse().context("GET")?,
                };
                let v = memo.get(&i).cloned().with_context(|| format!("the memo has no entry {i}"))?;
                // The memo keeps copies: a list or dict filled after it was memoized would
                // come back as it was then, so a shared container is refused, not misread.
                ensure!(!matches!(v, Value::List(_) | Value::Dict(_)), "the pickle refers twice to one list or dict; such sharing is not read here");
                stack.push(v);
            }
            b'0' => {
                pop(&mut stack)?;
            }
            b'1' => {
                pop_mark(&mut stack, &mut marks)?;
            }
            b'2' => {
                let top = stack.last().cloned().context("DUP on an empty stack")?;
                stack.push(top);
            }
            other => bail!("opcode 0x{other:02x} at byte {at} is not read here (only plain data, lists, dicts, tuples and recorded calls)"),
        }
    }
}

/// A numpy array as numpy pickles it: `_reconstruct(ndarray, (0,), b'b')` then
/// `__setstate__((version, shape, dtype, fortran, raw))`, the raw data written as Python 2
/// `str` / Python 3 `bytes`, or (protocol ≤ 2 from Python 3) as `_codecs.encode(text,
/// 'latin1')`. Returns (shape, dtype string such as `u1` or `<f4`, raw bytes in C order).
pub fn numpy_array(v: &Value) -> Result<(Vec<usize>, String, Vec<u8>)> {
    let Value::Build(obj, state) = v else { bail!("not a pickled numpy array") };
    ensure!(matches!(&**obj, Value::Call(f, _) if matches!(&**f, Value::Global(m, n) if m.starts_with("numpy") && n == "_reconstruct")), "not a numpy array: {obj:?}");
    let Value::Tuple(parts) = &**state else { bail!("a numpy array's state is not a tuple") };
    ensure!(parts.len() == 5, "a numpy array's state has {} parts, expected 5", parts.len());
    let shape = match &parts[1] {
        Value::Tuple(dims) => dims.iter().map(|d| match d {
            Value::Int(n) if *n >= 0 => Ok(*n as usize),
            other => bail!("a dimension is {other:?}"),
        }).collect::<Result<Vec<_>>>()?,
        other => bail!("the shape is {other:?}"),
    };
    let dtype = match &parts[2] {
        Value::Build(d, d_state) => {
            let name = match &**d {
                Value::Call(_, args) => match args.first() {
                    Some(Value::Str(s)) => s.clone(),
                    Some(Value::Bytes(b)) => String::from_utf8_lossy(b).into_owned(),
                    other => bail!("the dtype is named {other:?}"),
                },
                other => bail!("the dtype is {other:?}"),
            };
            // The state's second entry is the byte order ('|' for bytes, '<' little-endian).
            let order = match &**d_state {
                Value::Tuple(s) => match s.get(1) {
                    Some(Value::Str(o)) => o.clone(),
                    Some(Value::Bytes(o)) => String::from_utf8_lossy(o).into_owned(),
                    _ => String::new(),
                },
                _ => String::new(),
            };
            if order == "|" { name } else { format!("{order}{name}") }
        }
        other => bail!("the dtype is {other:?}"),
    };
    ensure!(matches!(parts[3], Value::Bool(false) | Value::Int(0)), "Fortran-ordered arrays are not read");
    let raw = match &parts[4] {
        Value::Bytes(b) => b.clone(),
        // `_codecs.encode(text, 'latin1')`: each char is one byte.
        Value::Call(f, args) if matches!(&**f, Value::Global(m, n) if m == "_codecs" && n == "encode") => match args.as_slice() {
            [Value::Str(text), Value::Str(enc)] if enc == "latin1" || enc == "latin-1" => text.chars().map(|c| u8::try_from(u32::from(c)).context("a latin-1 char above 255")).collect::<Result<Vec<u8>>>()?,
            other => bail!("array data encoded as {other:?}"),
        },
        other => bail!("the array data is {other:?}"),
    };
    let items: usize = shape.iter().product();
    let width = dtype.trim_start_matches(['<', '>', '|', '=']).get(1..).and_then(|w| w.parse::<usize>().ok()).unwrap_or(1);
    ensure!(raw.len() == items * width, "the array is {shape:?} of {dtype} but holds {} bytes", raw.len());
    Ok((shape, dtype, raw))
}
