//! Computes `X-Twilio-Signature` from the command line, for testing endpoints with curl.
//!
//! ```text
//! cargo run --example sign -- URL AUTH_TOKEN [name=value ...]
//! cargo run --example sign -- URL AUTH_TOKEN --json '{"a":1}'
//! ```
//! Prints the signature and a ready-to-run curl command. With `--json`, appends
//! `bodySHA256` to the URL as Twilio does and signs the URL alone.

#[path = "common/demo.rs"]
mod demo;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 || args[0] == "-h" || args[0] == "--help" {
        eprintln!("usage: sign URL AUTH_TOKEN [name=value ...] | sign URL AUTH_TOKEN --json BODY");
        std::process::exit(2);
    }
    let (url, token) = (&args[0], &args[1]);
    if args.get(2).map(String::as_str) == Some("--json") {
        let body = args.get(3).map(String::as_str).unwrap_or("");
        let sep = if url.contains('?') { '&' } else { '?' };
        let signed_url = format!(
            "{url}{sep}bodySHA256={}",
            twilio_webhook::body_sha256_hex(body.as_bytes())
        );
        let sig = twilio_webhook::compute_twilio_signature(
            &signed_url,
            std::iter::empty::<(&str, &str)>(),
            token,
        );
        println!("url: {signed_url}\nX-Twilio-Signature: {sig}\n");
        println!(
            "curl -i -X POST {} -H {} -H 'Content-Type: application/json' --data-binary {}",
            demo::sh_quote(&signed_url),
            demo::sh_quote(&format!("X-Twilio-Signature: {sig}")),
            demo::sh_quote(body)
        );
        return;
    }
    let mut params = Vec::new();
    for kv in &args[2..] {
        match kv.split_once('=') {
            Some(p) => params.push(p),
            None => {
                eprintln!("not name=value: {kv}");
                std::process::exit(2);
            }
        }
    }
    let sig = twilio_webhook::compute_twilio_signature(url, params.iter().copied(), token);
    println!("X-Twilio-Signature: {sig}\n");
    println!("{}", demo::curl_with_signature(url, &params, &sig));
}
