//! The words Koe's server-rendered pages show, in each [`koe_shared::Locale`]: the
//! dashboard's, the rating email's and hosted survey page's, the demo shop's. The survey's
//! questions themselves are the site's survey (`koe_shared::survey`, Koe's own by default),
//! shared with the widget.

pub mod dashboard;
pub mod dashboard_pages;
pub mod demo;
pub mod followups;
pub mod integrations;
pub mod messaging;
pub mod people;
pub mod question_section;
pub mod service;
pub mod survey;
pub mod survey_page;
