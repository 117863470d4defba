//! dudect-style evidence that the signature comparison is constant time (Reparaz, Balasch,
//! Verbauwhede, "Dude, is my code constant time?", 2017).
//!
//! Two classes of `X-Twilio-Signature` go through `Verifier::verify_form` on one fixed
//! request: the valid signature with its FIRST MAC byte changed, and with its LAST MAC byte
//! changed (same length, canonical base64, both refused as a mismatch). An early-exit
//! comparison would return sooner for the first class. Welch's t-test compares the two
//! timing distributions, raw and cropped at several percentiles (as dudect does, to shed
//! scheduler noise). |t| >= 4.5 means "timing depends on the class" with overwhelming
//! confidence.
//!
//! What keeps the harness from measuring something other than the comparison:
//! - Both classes are read from ONE buffer: before every call the class's signature is copied
//!   into the same `String`, from sources that sit at the same offset of their own cache line.
//!   Separate buffers per class put the classes at addresses and alignments that change from
//!   run to run, and the cropped statistics picked that up as a class difference.
//! - Each timing covers a batch of [`BATCH`] calls of one class, so the timer's step (about
//!   10 ns on some virtual machines) is far below both the batch and the signal an early exit
//!   would add; crop thresholds no longer fall on the timer's steps.
//! - Every run draws a fresh seed (printed) for its class sequence, and one invocation makes
//!   several runs, all reported; it passes only if every run does.
//!
//! Two positive controls run under the same harness in every run and must be flagged, so a
//! pass is not a blind harness: an early-exit `==` on 4 KiB buffers, and — a leak as small as
//! the one at stake, inside the same noise — `verify_form` followed by an early-exit
//! byte-by-byte comparison of the 20-byte MAC.
//!
//! Run: `cargo bench --bench constant_time -- [calls per run] [runs]` (defaults 2,000,000 and
//! 5). Exits 1 if a run of the verifier reaches |t| = 4.5, 2 if a control was not flagged.
// Timing statistics: nanosecond counts (u128 -> u64 overflows after five centuries) and
// sample counts (-> usize, f64) cannot truncate here.
#![allow(clippy::cast_possible_truncation)]

use std::hint::black_box;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use twilio_webhook::{compute_twilio_signature, Error, Verifier};

const URL: &str = "https://api.example.com/v1/webhooks/twilio?tenant=42";
const BODY: &[u8] = b"AccountSid=AC0123456789abcdef0123456789abcdef&Body=Hello+there&From=whatsapp%3A%2B15550001111&MessageSid=SM0123456789abcdef0123456789abcdef&NumMedia=0&To=whatsapp%3A%2B15550002222";
const TOKEN: &str = "tok_DUDECT_0f1e2d3c4b5a6978";
const THRESHOLD: f64 = 4.5;
/// Calls per timing.
const BATCH: usize = 32;
/// Batches timed before each measurement: they warm caches and predictors and give the crop
/// thresholds.
const WARM_BATCHES: usize = 2_000;
const CROPS: [f64; 5] = [0.50, 0.75, 0.90, 0.95, 0.99];

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

/// splitmix64, to spread a weak seed (clock, pid) over all 64 bits.
fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seed no two processes or runs share: the wall clock, the process id, the run index.
fn fresh_seed(run: usize) -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    splitmix64(nanos ^ (u64::from(std::process::id()) << 32) ^ run as u64) | 1
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
    timings: usize,
    max_t: f64,
    per_crop: Vec<(String, f64, usize)>,
}

/// One timing: `BATCH` calls of `op(class)`.
fn time_batch(class: usize, op: &mut impl FnMut(usize)) -> u64 {
    let t0 = Instant::now();
    for _ in 0..BATCH {
        op(class);
    }
    t0.elapsed().as_nanos() as u64
}

/// Times `calls / BATCH` batches of random classes and returns Welch's t for the raw and
/// cropped distributions.
fn measure(calls: usize, seed: u64, mut op: impl FnMut(usize)) -> Outcome {
    let mut rng = Rng(seed);
    let mut warm: Vec<u64> = (0..WARM_BATCHES)
        .map(|_| {
            let c = rng.bit();
            time_batch(c, &mut op)
        })
        .collect();
    warm.sort_unstable();
    let crops: Vec<(String, u64)> = CROPS
        .iter()
        .map(|p| {
            let v = warm[((warm.len() as f64) * p) as usize];
            (format!("below p{:.0} ({v} ns)", p * 100.0), v)
        })
        .collect();

    let mut raw = [Stats::default(); 2];
    let mut cropped = vec![[Stats::default(); 2]; crops.len()];
    for _ in 0..calls / BATCH {
        let c = rng.bit();
        let dt = time_batch(c, &mut op);
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
        timings: (raw[0].n + raw[1].n) as usize,
        max_t,
        per_crop,
    }
}

fn print(title: &str, o: &Outcome) {
    println!(
        "  {title}: {} timings of {BATCH} calls, max |t| = {:.2}",
        o.timings, o.max_t
    );
    for (name, t, n) in &o.per_crop {
        println!("    {name:<26} t = {t:>9.2}  (n = {n})");
    }
}

/// The valid MAC with byte `i` changed.
fn with_byte_changed(mac: &[u8], i: usize) -> Vec<u8> {
    let mut mac = mac.to_vec();
    mac[i] ^= 0x01;
    mac
}

/// A class's input at the start of its own cache line, so both classes are copied from the
/// same alignment.
#[repr(align(64))]
struct Line([u8; 64]);

impl Line {
    fn new(bytes: &[u8]) -> Self {
        let mut line = [0u8; 64];
        line[..bytes.len()].copy_from_slice(bytes);
        Line(line)
    }
}

/// The comparison a constant-time verifier must not make.
fn early_exit_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

fn main() {
    let mut numbers = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse::<usize>().ok());
    let calls = numbers.next().unwrap_or(2_000_000);
    let runs = numbers.next().unwrap_or(5).max(1);

    // Control A's classes: 4 KiB differing in the first or the last byte, at the same
    // alignment (offsets 0 and 4096 of one allocation).
    let reference = vec![0xA5u8; 4096];
    let mut big_pool = [reference.clone(), reference.clone()].concat();
    big_pool[0] ^= 1;
    big_pool[2 * 4096 - 1] ^= 1;
    let mut big_buf = vec![0u8; 4096];

    let verifier = Verifier::new(TOKEN);
    let params: Vec<(String, String)> = form_urlencoded::parse(BODY)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let valid = compute_twilio_signature(URL, params.iter().map(|(k, v)| (k, v)), TOKEN);
    assert!(verifier.verify_form(URL, BODY, &valid).is_ok());
    let valid_mac = STANDARD.decode(&valid).expect("valid base64");
    let macs = [
        with_byte_changed(&valid_mac, 0),
        with_byte_changed(&valid_mac, valid_mac.len() - 1),
    ];
    let signatures = macs.each_ref().map(|m| STANDARD.encode(m));
    for s in &signatures {
        assert_eq!(s.len(), valid.len());
        assert!(matches!(
            verifier.verify_form(URL, BODY, s),
            Err(Error::SignatureMismatch { .. })
        ));
    }
    let sig_lines = signatures.each_ref().map(|s| Line::new(s.as_bytes()));
    let mac_lines = macs.each_ref().map(|m| Line::new(m));
    let sig_len = valid.len();
    let mac_len = valid_mac.len();
    // The one buffer every call reads its signature (and control B its MAC) from.
    let mut sig = String::with_capacity(sig_len);
    let mut mac_buf = [0u8; 64];
    let load = |sig: &mut String, c: usize| {
        sig.clear();
        sig.push_str(std::str::from_utf8(&sig_lines[c].0[..sig_len]).expect("base64 is ASCII"));
    };

    println!(
        "{runs} runs of {calls} calls per measurement, timed in batches of {BATCH}; \
         threshold |t| = {THRESHOLD}"
    );
    let mut verifier_t = Vec::with_capacity(runs);
    let mut controls_flagged = true;
    for run in 1..=runs {
        let seed = fresh_seed(run);
        println!("run {run}/{runs} (seed {seed:#018x})");

        let control_a = measure(calls / 10, splitmix64(seed ^ 0xA), |c| {
            big_buf.copy_from_slice(&big_pool[c * 4096..(c + 1) * 4096]);
            black_box(black_box(big_buf.as_slice()) == black_box(reference.as_slice()));
        });
        print(
            "control A: early-exit == on 4 KiB (must be flagged)",
            &control_a,
        );

        let control_b = measure(calls, splitmix64(seed ^ 0xB), |c| {
            load(&mut sig, c);
            mac_buf[..mac_len].copy_from_slice(&mac_lines[c].0[..mac_len]);
            let r = verifier.verify_form(black_box(URL), black_box(BODY), black_box(&sig));
            black_box(r.is_err());
            black_box(early_exit_eq(
                black_box(&mac_buf[..mac_len]),
                black_box(&valid_mac),
            ));
        });
        print(
            "control B: verify_form + early-exit compare of the MAC (must be flagged)",
            &control_b,
        );
        controls_flagged &= control_a.max_t >= THRESHOLD && control_b.max_t >= THRESHOLD;

        let o = measure(calls, seed, |c| {
            load(&mut sig, c);
            let r = verifier.verify_form(black_box(URL), black_box(BODY), black_box(&sig));
            black_box(r.is_err());
        });
        print(
            "Verifier::verify_form, MAC differing in the first vs the last byte",
            &o,
        );
        verifier_t.push(o.max_t);
    }

    let list: Vec<String> = verifier_t.iter().map(|t| format!("{t:.2}")).collect();
    let worst = verifier_t.iter().copied().fold(0.0, f64::max);
    println!(
        "verify_form max |t| per run: {}; largest {worst:.2} over {runs} runs of {calls} calls",
        list.join(", ")
    );
    if worst >= THRESHOLD {
        println!("FAIL: |t| >= {THRESHOLD}: timing depends on where the signature differs");
        std::process::exit(1);
    }
    if !controls_flagged {
        println!("INCONCLUSIVE: a control was not flagged; this harness cannot see a leak here");
        std::process::exit(2);
    }
    println!("PASS: |t| < {THRESHOLD} in every run, every control flagged");
}
