//! Shared by the fuzz targets: structure-aware URLs, fixed keys, and a tiny `block_on`.
#![allow(dead_code)] // each target uses a subset

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use arbitrary::Arbitrary;

/// Distinctive, so a leak into any output would be found by a substring search.
pub const TOKEN: &str = "tok_FUZZ_SECRET_5b1c0e9a7d3f2468";
pub const SHARED_KEY_ID: &str = "KSfuzz";
pub const SHARED_SECRET: &str = "shk_FUZZ_SECRET_c4d2a1f09e8b7765";

/// A URL: mostly well-formed (so the fuzzer reaches the MACs), sometimes raw text.
#[derive(Arbitrary, Debug)]
pub enum FuzzUrl<'a> {
    Parts {
        scheme: Scheme,
        userinfo: Option<&'a str>,
        host: Host<'a>,
        port: Option<Port<'a>>,
        path: &'a str,
    },
    Raw(&'a str),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Scheme {
    Https,
    Http,
    HttpsUpper,
    Ftp,
}

#[derive(Arbitrary, Debug)]
pub enum Host<'a> {
    Name(&'a str),
    Ipv6(&'a str),
    Fixed,
}

#[derive(Arbitrary, Debug)]
pub enum Port<'a> {
    Number(u16),
    Default,
    Raw(&'a str),
}

impl FuzzUrl<'_> {
    pub fn text(&self) -> String {
        match self {
            FuzzUrl::Raw(s) => (*s).to_owned(),
            FuzzUrl::Parts {
                scheme,
                userinfo,
                host,
                port,
                path,
            } => {
                let scheme = match scheme {
                    Scheme::Https => "https",
                    Scheme::Http => "http",
                    Scheme::HttpsUpper => "HTTPS",
                    Scheme::Ftp => "ftp",
                };
                let mut out = format!("{scheme}://");
                if let Some(u) = userinfo {
                    out.push_str(u);
                    out.push('@');
                }
                match host {
                    Host::Name(h) => out.push_str(h),
                    Host::Ipv6(h) => {
                        out.push('[');
                        out.push_str(h);
                        out.push(']');
                    }
                    Host::Fixed => out.push_str("example.com"),
                }
                match port {
                    None => {}
                    Some(Port::Number(n)) => out.push_str(&format!(":{n}")),
                    Some(Port::Default) => {
                        out.push_str(if scheme == "http" { ":80" } else { ":443" })
                    }
                    Some(Port::Raw(p)) => {
                        out.push(':');
                        out.push_str(p);
                    }
                }
                if !path.is_empty() && !path.starts_with(['/', '?', '#']) {
                    out.push('/');
                }
                out.push_str(path);
                out
            }
        }
    }
}

/// Polls a future to completion on this thread. The pipeline's futures with `StaticKeys`
/// are ready at once, so the loop runs once; no executor crate needed.
pub fn block_on<F: Future>(fut: F) -> F::Output {
    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }
    let waker = Waker::from(Arc::new(Noop));
    let mut cx = Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::yield_now();
    }
}

/// Flips one bit of one character of a base64 signature, keeping it the same length.
pub fn tamper(sig: &str, at: usize) -> String {
    let mut b = sig.as_bytes().to_vec();
    let i = at % b.len();
    // Stay inside the base64 alphabet where possible; any change must be refused.
    b[i] = match b[i] {
        b'A' => b'B',
        b'=' => b'A',
        _ => b'A',
    };
    String::from_utf8(b).expect("ASCII")
}
