//! dudect-style evidence that the signature comparison is constant time (Reparaz, Balasch,
//! Verbauwhede, "Dude, is my code constant time?", 2017).
//!
//! Two classes of `X-Twilio-Signature` go through `Verifier::verify_form` on one fixed
//! request: the valid signature with its FIRST MAC byte changed, and with its LAST MAC byte
//! changed (same length, canonical base64, both refused as a mismatch). An early-exit
//! comparison would return sooner for the first class. Classes are interleaved at random,
//! each call is timed, and Welch's t-test compares the two timing distributions, raw and
//! cropped at several percentiles (as dudect does, to shed scheduler noise). |t| >= 4.5
//! means "timing depends on the class" with overwhelming confidence.
//!
//! A positive control runs first: a naive early-exit comparison of 4 KiB buffers under the
//! same harness, which must be flagged, so a pass below is not a blind harness.
//!
//! Run: `cargo bench --bench constant_time -- [samples]` (default 2,000,000 in total).
//! Exits non-zero if the verifier's |t| reaches 4.5.

use std::hint::black_box;
use std::time::Instant;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use twilio_webhook::{compute_twilio_signature, Error, Verifier};

const URL: &str = "https://api.example.com/v1/webhooks/twilio?tenant=42";
const BODY: &[u8] = b"AccountSid=AC0123456789abcdef0123456789abcdef&Body=Hello+there&From=whatsapp%3A%2B15550001111&MessageSid=SM0123456789abcdef0123456789abcdef&NumMedia=0&To=whatsapp%3A%2B15550002222";
const TOKEN: &str = "tok_DUDECT_0f1e2d3c4b5a6978";
const THRESHOLD: f64 = 4.5;

/// Welford's online mean and variance.
#[derive(Default, Clone, Copy)]
struct Stats {
    n: f64,
    mean: f64,
    m2: f64,
}

impl Stats {
    fn push(&mut self, x: f64) {
        self.n += 1.0;
        let d = x - self.mean;
        self.mean += d / self.n;
        self.m2 += d * (x - self.mean);
    }

    fn var(&self) -> f64 {
        if self.n < 2.0 {
            0.0
        } else {
            self.m2 / (self.n - 1.0)
        }
    }
}

fn welch_t(a: &Stats, b: &Stats) -> f64 {
    let se = (a.var() / a.n + b.var() / b.n).sqrt();
    if se == 0.0 {
        0.0
    } else {
        (a.mean - b.mean) / se
    }
}

/// xorshift64*: the class sequence must be unpredictable to the code under test, not
/// cryptographically random.
struct Rng(u64);

impl Rng {
    fn bit(&mut self) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 63) as usize
    }
}

struct Outcome {
    samples: usize,
    max_t: f64,
    per_crop: Vec<(String, f64, usize)>,
}

/// Times `op(class)` for `samples` random classes and returns Welch's t for the raw and
/// cropped distributions.
fn measure(samples: usize, mut op: impl FnMut(usize)) -> Outcome {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    // Warm-up, and the crop thresholds from its distribution.
    let mut warm: Vec<u64> = (0..20_000)
        .map(|_| {
            let c = rng.bit();
            let t0 = Instant::now();
            op(c);
            t0.elapsed().as_nanos() as u64
        })
        .collect();
    warm.sort_unstable();
    let crops: Vec<(String, u64)> = [0.50, 0.75, 0.90, 0.95, 0.99]
        .iter()
        .map(|p| {
            let v = warm[((warm.len() as f64) * p) as usize];
            (format!("below p{:.0} ({v} ns)", p * 100.0), v)
        })
        .collect();

    let mut raw = [Stats::default(); 2];
    let mut cropped = vec![[Stats::default(); 2]; crops.len()];
    for _ in 0..samples {
        let c = rng.bit();
        let t0 = Instant::now();
        op(c);
        let dt = t0.elapsed().as_nanos() as u64;
        raw[c].push(dt as f64);
        for (i, (_, limit)) in crops.iter().enumerate() {
            if dt < *limit {
                cropped[i][c].push(dt as f64);
            }
        }
    }
    let mut per_crop = vec![(
        "raw".to_owned(),
        welch_t(&raw[0], &raw[1]),
        (raw[0].n + raw[1].n) as usize,
    )];
    for (i, (name, _)) in crops.iter().enumerate() {
        let [a, b] = &cropped[i];
        per_crop.push((name.clone(), welch_t(a, b), (a.n + b.n) as usize));
    }
    let max_t = per_crop.iter().map(|(_, t, _)| t.abs()).fold(0.0, f64::max);
    Outcome {
        samples,
        max_t,
        per_crop,
    }
}

fn print(title: &str, o: &Outcome) {
    println!("{title}: {} samples, max |t| = {:.2}", o.samples, o.max_t);
    for (name, t, n) in &o.per_crop {
        println!("  {name:<24} t = {t:>8.2}  (n = {n})");
    }
}

/// The valid signature with MAC byte `i` changed, re-encoded: same length, canonical base64.
fn with_byte_changed(sig: &str, i: usize) -> String {
    let mut mac = STANDARD.decode(sig).expect("valid base64");
    mac[i] ^= 0x01;
    STANDARD.encode(mac)
}

fn main() {
    let samples = std::env::args()
        .skip(1)
        .find_map(|a| a.parse::<usize>().ok())
        .unwrap_or(2_000_000);

    // Positive control: an early-exit comparison must be flagged by this harness.
    let reference = vec![0xA5u8; 4096];
    let mut first = reference.clone();
    first[0] ^= 1;
    let mut last = reference.clone();
    last[4095] ^= 1;
    let inputs = [first, last];
    let control = measure(200_000, |c| {
        black_box(black_box(&inputs[c]).as_slice() == black_box(reference.as_slice()));
    });
    print("control (early-exit ==, must be flagged)", &control);
    if control.max_t < THRESHOLD {
        println!("WARNING: the control was not flagged; this machine's timer is too coarse");
    }

    let verifier = Verifier::new(TOKEN);
    let params: Vec<(String, String)> = form_urlencoded::parse(BODY)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let valid = compute_twilio_signature(URL, params.iter().map(|(k, v)| (k, v)), TOKEN);
    assert!(verifier.verify_form(URL, BODY, &valid).is_ok());
    let classes = [with_byte_changed(&valid, 0), with_byte_changed(&valid, 19)];
    for s in &classes {
        assert_eq!(s.len(), valid.len());
        assert!(matches!(
            verifier.verify_form(URL, BODY, s),
            Err(Error::SignatureMismatch { .. })
        ));
    }
    let o = measure(samples, |c| {
        let r = verifier.verify_form(black_box(URL), black_box(BODY), black_box(&classes[c]));
        black_box(r.is_err());
    });
    print(
        "Verifier::verify_form, MAC differing in the first vs the last byte",
        &o,
    );
    if o.max_t >= THRESHOLD {
        println!("FAIL: |t| >= {THRESHOLD}: timing depends on where the signature differs");
        std::process::exit(1);
    }
    println!("PASS: |t| < {THRESHOLD}");
}
