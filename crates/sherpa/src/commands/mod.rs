//! One file per subcommand.

pub mod backup;
pub mod config;
pub mod demo;
pub mod export;
pub mod field;
pub mod health;
pub mod import;
pub mod migrate;
pub mod rate;
pub mod serve;
pub mod token;
pub mod user;

/// A progress bar on stderr for long work.
pub fn progress(len: u64, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} ({eta})")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}
