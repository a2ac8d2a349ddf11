//! The widget in a real headless Chromium, embedded in host pages on their own origin, against
//! a collector started by the test (SQLite).

mod support;

mod accessibility;
mod csp;
mod dashboard;
mod demo;
mod failures;
mod fatigue;
mod followups_page;
mod integrations_page;
mod isolation;
mod keyboard;
mod language;
mod mouse;
mod nps_layout;
mod own_question;
mod people;
mod prepare;
mod rating_links;
mod refusals;
mod script_injection;
mod service_page;
mod show_latency;
mod site_survey;
mod survey_page;
