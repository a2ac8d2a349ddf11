//! Finding the browser the end-to-end tests drive. Nothing is installed silently: a missing
//! Chromium is explained (and is an error under `CI=true`; `.ci/run` installs it).

use std::path::Path;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// The ChromeDriver to use (`KOE_CHROMEDRIVER` or Debian's), or an empty string to skip the
/// browser tests outside CI.
pub fn find_chromedriver() -> Result<String, String> {
    if let Ok(path) = std::env::var("KOE_CHROMEDRIVER") {
        return Ok(path);
    }
    if Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists() {
        return Ok(CHROMEDRIVER.into());
    }
    let help = "Chromium and ChromeDriver are missing: install them with `apt-get install -y chromium chromium-driver`";
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        return Err(format!(
            "{help} (CI=true: the browser tests cannot be skipped)"
        ));
    }
    eprintln!("warning: {help}; the browser tests are skipped");
    Ok(String::new())
}
