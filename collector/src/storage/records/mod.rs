//! Records: the plain data the storage traits take and give, one file per capability, in one
//! home that domain services and both backends import (so no record lives in a file that also
//! calls storage). Domain types with rules of their own — `Site`, `ResponseState`, rollups,
//! audit entries — stay in their domain modules, which never call storage either.

mod access;
mod alerts;
mod answers;
mod customers;
mod facts;
mod followups;
mod integrations;
mod people;
mod removal;
mod reports;
mod surveys;
mod verification;

pub use access::{ApiKeyRecord, NewApiKey, Role};
pub use alerts::{
    AttemptOutcome, DeliveryRecord, DeliveryState, DueDelivery, NewWebhook, Rotation, WebhookRecord,
};
pub use answers::{ImpressionOutcome, ImpressionWrite, Saved, StoredResponse};
pub use customers::{CustomerCheck, CustomerHash};
pub use facts::{
    DriverRow, FactsEntryWrite, FactsOutcome, FactsRefusal, FactsSaved, FactsWrite, GroupedService,
    ServiceFilter, StoredFacts,
};
pub use followups::{
    FollowupChanged, FollowupFact, FollowupFilter, FollowupNote, FollowupRecord, FollowupUpdate,
    ReaskRecord,
};
pub use integrations::{
    CallOutcome, ConversationState, DueCall, EventRecord, EventState, IntegrationCounts, NewEvent,
    NewIntegration, StoredIntegration,
};
pub use people::{
    Acceptance, Accepted, AcceptedAccount, InvitationRecord, MemberChange, MemberRow,
    MembershipRecord, NewInvitation, NewPasskey, PasskeyRecord, UserRecord, UserSessionRecord,
};
pub use removal::{PurgeCutoff, Rezoned};
pub use reports::{FlaggedFilter, ReasonCount, ResponseCursor, ResponseFilter};
pub use surveys::{SurveyDraftRecord, SurveyVersionRecord};
pub use verification::{KeyDrift, KeyProblem};
