//! Who may use one page or one tool. An object without grants follows the roles. Once it has
//! grants, only the people they name (by account, by role or by group) may use it, and each
//! may do what both their grant and their role allow: the role says what kind of work someone
//! does, the grants say on which objects. People who manage users (Admins) keep every object,
//! so nothing can be locked away from the organization.

use serde::{Deserialize, Serialize};

use crate::{
    Action, ValidationIssue,
    dto::SessionUser,
    ids::{GroupId, UserId},
};

/// Whom a grant names.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grantee {
    User(UserId),
    /// A built-in role's key (`editor`) or a custom role's (`finance-analyst`).
    Role(String),
    Group(GroupId),
}

impl Grantee {
    /// Whether the grant names this user: their account, their role or a group they are in.
    pub fn names(&self, user: &SessionUser) -> bool {
        match self {
            Grantee::User(id) => *id == user.id,
            Grantee::Role(key) => key == user.role_key(),
            Grantee::Group(id) => user.groups.contains(id),
        }
    }

    /// `user:3`, `role:editor`, `group:4`: how forms send a grantee.
    pub fn key(&self) -> String {
        match self {
            Grantee::User(id) => format!("user:{id}"),
            Grantee::Role(key) => format!("role:{key}"),
            Grantee::Group(id) => format!("group:{id}"),
        }
    }

    pub fn parse_key(value: &str) -> Option<Grantee> {
        let (kind, rest) = value.split_once(':')?;
        match kind {
            "user" => rest.parse().ok().map(|id| Grantee::User(UserId(id))),
            "role" if !rest.is_empty() => Some(Grantee::Role(rest.to_owned())),
            "group" => rest.parse().ok().map(|id| Grantee::Group(GroupId(id))),
            _ => None,
        }
    }
}

/// A right on an object; each includes the ones before it.
pub trait Right: Copy + Ord + 'static {
    const ALL: &'static [Self];
    /// The actions on the object this right lets its holder do (if their role does too).
    fn actions(self) -> &'static [Action];
    fn as_str(self) -> &'static str;
    fn label(self) -> &'static str;

    fn parse(value: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|right| right.as_str() == value)
    }
}

/// What a grant on a page gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageRight {
    View,
    Edit,
    Publish,
}

impl Right for PageRight {
    const ALL: &'static [Self] = &[PageRight::View, PageRight::Edit, PageRight::Publish];

    fn actions(self) -> &'static [Action] {
        use Action::*;
        match self {
            PageRight::View => &[ViewPublishedPage, SubmitForm],
            PageRight::Edit => &[ViewPublishedPage, SubmitForm, ViewDraftPage, EditPage],
            PageRight::Publish => &[
                ViewPublishedPage,
                SubmitForm,
                ViewDraftPage,
                EditPage,
                PublishPage,
            ],
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            PageRight::View => "view",
            PageRight::Edit => "edit",
            PageRight::Publish => "publish",
        }
    }

    fn label(self) -> &'static str {
        match self {
            PageRight::View => "View",
            PageRight::Edit => "Edit",
            PageRight::Publish => "Edit and publish",
        }
    }
}

/// What a grant on a tool gives: binding it into pages, or also changing its settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolRight {
    Use,
    Manage,
}

impl Right for ToolRight {
    const ALL: &'static [Self] = &[ToolRight::Use, ToolRight::Manage];

    fn actions(self) -> &'static [Action] {
        match self {
            ToolRight::Use => &[Action::EditPage],
            ToolRight::Manage => &[Action::EditPage, Action::ManageTools],
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            ToolRight::Use => "use",
            ToolRight::Manage => "manage",
        }
    }

    fn label(self) -> &'static str {
        match self {
            ToolRight::Use => "Use in pages",
            ToolRight::Manage => "Use and manage",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant<R> {
    pub grantee: Grantee,
    pub right: R,
}

/// The grants of one object. Empty: the roles alone decide.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Grants<R>(pub Vec<Grant<R>>);

impl<R> Default for Grants<R> {
    fn default() -> Self {
        Grants(Vec::new())
    }
}

impl<R: Right> Grants<R> {
    pub fn is_restricted(&self) -> bool {
        !self.0.is_empty()
    }

    /// The highest right the grants give this user, if they name them at all.
    pub fn right_of(&self, user: &SessionUser) -> Option<R> {
        self.0
            .iter()
            .filter(|grant| grant.grantee.names(user))
            .map(|grant| grant.right)
            .max()
    }

    /// Whether grants of this kind decide `action` at all (page grants say nothing about
    /// managing users).
    fn governs(action: Action) -> bool {
        R::ALL.iter().any(|right| right.actions().contains(&action))
    }

    /// May `user` (already allowed `action` by their role) do it on this object?
    pub fn allow(&self, user: &SessionUser, action: Action) -> bool {
        !self.is_restricted()
            || !Self::governs(action)
            || user.may(Action::ManageUsers)
            || self
                .right_of(user)
                .is_some_and(|right| right.actions().contains(&action))
    }

    /// The most this grant's holders get given what `may` (a role) allows: a role that
    /// cannot edit pages gets no more than View from an Edit grant.
    pub fn effective(right: R, may: impl Fn(Action) -> bool) -> Option<R> {
        R::ALL
            .iter()
            .copied()
            .filter(|candidate| *candidate <= right)
            .filter(|candidate| candidate.actions().iter().all(|action| may(*action)))
            .max()
    }

    /// Issues with grants sent by a client: each grantee once, at most [`MAX_GRANTS`].
    pub fn issues(&self) -> Vec<ValidationIssue> {
        let mut issues = Vec::new();
        if self.0.len() > MAX_GRANTS {
            issues.push(ValidationIssue::new(
                "grants",
                format!("An object can have at most {MAX_GRANTS} grants."),
            ));
        }
        for (index, grant) in self.0.iter().enumerate() {
            if self.0[..index]
                .iter()
                .any(|earlier| earlier.grantee == grant.grantee)
            {
                issues.push(ValidationIssue::new(
                    format!("grants[{index}].grantee"),
                    "This person, role or group is named twice; keep one grant for them.",
                ));
            }
        }
        issues
    }

    /// The grants in a stable order (users, roles, groups), so equal lists compare equal.
    pub fn sorted(mut self) -> Self {
        self.0.sort_by(|a, b| a.grantee.cmp(&b.grantee));
        self
    }
}

pub const MAX_GRANTS: usize = 200;

/// One grant as a client sends it: the grantee's key (`group:4`) and the right's (`view`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantInput {
    pub grantee: String,
    pub right: String,
}

/// New grants for an object, made against the grants' revision the client saw.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessUpdate {
    /// None: the object goes back to following the roles.
    #[serde(default)]
    pub grants: Vec<GrantInput>,
    pub base_revision: i32,
}

impl AccessUpdate {
    /// The grants, or what is wrong with each (paths `grants[i].grantee`, `grants[i].right`).
    pub fn parse<R: Right>(&self) -> Result<Grants<R>, Vec<ValidationIssue>> {
        let mut issues = Vec::new();
        let mut grants = Vec::new();
        for (index, input) in self.grants.iter().enumerate() {
            let grantee = Grantee::parse_key(&input.grantee);
            let right = R::parse(&input.right);
            if grantee.is_none() {
                issues.push(ValidationIssue::new(
                    format!("grants[{index}].grantee"),
                    "Choose a person, a role or a group (user:ID, role:KEY or group:ID).",
                ));
            }
            if right.is_none() {
                let names: Vec<&str> = R::ALL.iter().map(|right| right.as_str()).collect();
                issues.push(ValidationIssue::new(
                    format!("grants[{index}].right"),
                    format!("Choose one of: {}.", names.join(", ")),
                ));
            }
            if let (Some(grantee), Some(right)) = (grantee, right) {
                grants.push(Grant { grantee, right });
            }
        }
        let grants = Grants(grants);
        issues.extend(grants.issues());
        if issues.is_empty() {
            Ok(grants)
        } else {
            Err(issues)
        }
    }
}

/// Someone a grant can name, as the access screen offers them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GranteeChoice {
    /// `user:3`, `role:editor`, `group:4`.
    pub key: String,
    pub name: String,
    /// "Person", "Role" or "Group".
    pub kind: String,
}

/// One grant as the access screen shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantView {
    pub grantee: GranteeChoice,
    pub right: String,
    pub right_label: String,
    /// Set when the grantee's role caps what the grant gives ("Their role lets them only view.").
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RightChoice {
    pub key: String,
    pub label: String,
}

/// Who may use one page or tool, with everything the access screen offers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessView {
    /// The page's or tool's id and name.
    pub id: i32,
    pub name: String,
    pub revision: i32,
    pub grants: Vec<GrantView>,
    /// People, roles and groups of the organization that have no grant yet.
    pub choices: Vec<GranteeChoice>,
    pub rights: Vec<RightChoice>,
}

impl RightChoice {
    pub fn all<R: Right>() -> Vec<RightChoice> {
        R::ALL
            .iter()
            .map(|right| RightChoice {
                key: right.as_str().to_owned(),
                label: right.label().to_owned(),
            })
            .collect()
    }
}

/// The grants of a page or a tool, as `crate::access::authorize` reads them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Restriction {
    Page(Grants<PageRight>),
    Tool(Grants<ToolRight>),
}

impl From<Grants<PageRight>> for Restriction {
    fn from(grants: Grants<PageRight>) -> Self {
        Restriction::Page(grants)
    }
}

impl From<Grants<ToolRight>> for Restriction {
    fn from(grants: Grants<ToolRight>) -> Self {
        Restriction::Tool(grants)
    }
}

impl Restriction {
    pub fn allow(&self, user: &SessionUser, action: Action) -> bool {
        match self {
            Restriction::Page(grants) => grants.allow(user, action),
            Restriction::Tool(grants) => grants.allow(user, action),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Role, ids::OrgId};

    fn person(id: i32, role: Role, groups: &[i32]) -> SessionUser {
        SessionUser {
            id: UserId(id),
            org_id: OrgId(1),
            email: format!("p{id}@example.com"),
            display_name: format!("P{id}"),
            role,
            attributes: Default::default(),
            custom_role: None,
            groups: groups.iter().copied().map(GroupId).collect(),
        }
    }

    fn grant<R>(grantee: Grantee, right: R) -> Grant<R> {
        Grant { grantee, right }
    }

    #[test]
    fn an_object_without_grants_follows_the_roles() {
        let open = Grants::<PageRight>::default();
        for action in Action::ALL {
            assert!(
                open.allow(&person(1, Role::Viewer, &[]), action),
                "{action:?}"
            );
        }
    }

    #[test]
    fn a_page_private_to_a_group_is_open_to_its_members_and_admins_only() {
        let finance = Grants(vec![grant(Grantee::Group(GroupId(7)), PageRight::Edit)]);
        let member = person(1, Role::Editor, &[7]);
        let outsider = person(2, Role::Editor, &[8]);
        let admin = person(3, Role::Admin, &[]);
        for action in [
            Action::ViewPublishedPage,
            Action::ViewDraftPage,
            Action::EditPage,
        ] {
            assert!(finance.allow(&member, action), "{action:?}");
            assert!(!finance.allow(&outsider, action), "{action:?}");
            assert!(finance.allow(&admin, action), "{action:?}");
        }
        // Edit does not include publish; actions pages do not govern stay with the role.
        assert!(!finance.allow(&member, Action::PublishPage));
        assert!(finance.allow(&outsider, Action::CreatePage));
        assert!(finance.allow(&outsider, Action::ManageTools));
    }

    #[test]
    fn the_highest_grant_naming_someone_wins() {
        let grants = Grants(vec![
            grant(Grantee::Role("editor".into()), PageRight::View),
            grant(Grantee::User(UserId(1)), PageRight::Publish),
            grant(Grantee::Group(GroupId(4)), PageRight::Edit),
        ]);
        assert_eq!(
            grants.right_of(&person(1, Role::Editor, &[4])),
            Some(PageRight::Publish)
        );
        assert_eq!(
            grants.right_of(&person(2, Role::Editor, &[4])),
            Some(PageRight::Edit)
        );
        assert_eq!(
            grants.right_of(&person(3, Role::Editor, &[])),
            Some(PageRight::View)
        );
        assert_eq!(grants.right_of(&person(4, Role::Viewer, &[])), None);
        assert!(grants.allow(&person(1, Role::Editor, &[]), Action::PublishPage));
        assert!(!grants.allow(&person(3, Role::Editor, &[]), Action::EditPage));
    }

    #[test]
    fn a_custom_role_is_named_by_its_key() {
        let mut analyst = person(5, Role::Viewer, &[]);
        analyst.custom_role = Some(crate::roles::CustomRole {
            key: "finance-analyst".into(),
            name: "Finance analyst".into(),
            actions: vec![Action::ViewPublishedPage],
        });
        let grants = Grants(vec![grant(
            Grantee::Role("finance-analyst".into()),
            PageRight::View,
        )]);
        assert!(grants.allow(&analyst, Action::ViewPublishedPage));
        assert!(!grants.allow(&person(6, Role::Viewer, &[]), Action::ViewPublishedPage));
    }

    #[test]
    fn tool_grants_split_using_from_managing() {
        let grants = Grants(vec![
            grant(Grantee::User(UserId(1)), ToolRight::Use),
            grant(Grantee::User(UserId(2)), ToolRight::Manage),
        ]);
        let user = person(1, Role::Admin, &[]);
        let mut user_without_admin = user.clone();
        user_without_admin.role = Role::Editor;
        assert!(grants.allow(&user_without_admin, Action::EditPage));
        assert!(!grants.allow(&user_without_admin, Action::ManageTools));
        let manager = person(2, Role::Integrator, &[]);
        assert!(grants.allow(&manager, Action::ManageTools));
        assert!(!grants.allow(&person(3, Role::Integrator, &[]), Action::ManageTools));
        assert!(!grants.allow(&person(3, Role::Editor, &[]), Action::EditPage));
        // Viewing pages is not the tool's business.
        assert!(grants.allow(&person(3, Role::Viewer, &[]), Action::ViewPublishedPage));
    }

    #[test]
    fn a_grant_gives_no_more_than_the_role_allows() {
        let viewer = |action| crate::policy::allows(Role::Viewer, action);
        let editor = |action| crate::policy::allows(Role::Editor, action);
        let auditor = |action| crate::policy::allows(Role::Auditor, action);
        assert_eq!(
            Grants::effective(PageRight::Publish, viewer),
            Some(PageRight::View)
        );
        assert_eq!(
            Grants::effective(PageRight::Publish, editor),
            Some(PageRight::Publish)
        );
        assert_eq!(Grants::effective(PageRight::Edit, auditor), None);
        assert_eq!(
            Grants::effective(ToolRight::Manage, editor),
            Some(ToolRight::Use)
        );
    }

    #[test]
    fn updates_name_the_grant_and_field_that_is_wrong() {
        let update = AccessUpdate {
            grants: vec![
                GrantInput {
                    grantee: "group:4".into(),
                    right: "view".into(),
                },
                GrantInput {
                    grantee: "team:1".into(),
                    right: "own".into(),
                },
            ],
            base_revision: 0,
        };
        let issues = update.parse::<PageRight>().unwrap_err();
        let paths: Vec<&str> = issues.iter().map(|issue| issue.path.as_str()).collect();
        assert_eq!(paths, ["grants[1].grantee", "grants[1].right"]);
        assert!(issues[1].message.contains("view, edit, publish"));
        let update = AccessUpdate {
            grants: update.grants[..1].to_vec(),
            base_revision: 0,
        };
        assert_eq!(
            update.parse::<PageRight>().unwrap(),
            Grants(vec![grant(Grantee::Group(GroupId(4)), PageRight::View)])
        );
        let none: AccessUpdate = serde_json::from_str(r#"{"base_revision": 2}"#).unwrap();
        assert_eq!(none.parse::<ToolRight>().unwrap(), Grants::default());
    }

    #[test]
    fn grants_name_each_grantee_once_and_travel_as_keys() {
        let twice = Grants(vec![
            grant(Grantee::Group(GroupId(1)), PageRight::View),
            grant(Grantee::User(UserId(2)), PageRight::View),
            grant(Grantee::Group(GroupId(1)), PageRight::Edit),
        ]);
        let issues = twice.issues();
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].path, "grants[2].grantee");
        for grantee in [
            Grantee::User(UserId(3)),
            Grantee::Role("finance-analyst".into()),
            Grantee::Group(GroupId(9)),
        ] {
            assert_eq!(Grantee::parse_key(&grantee.key()), Some(grantee));
        }
        for bad in ["", "user:", "user:x", "role:", "team:1", "group"] {
            assert_eq!(Grantee::parse_key(bad), None, "{bad}");
        }
        assert_eq!(
            serde_json::to_value(&twice.0[0]).unwrap(),
            serde_json::json!({"grantee": {"group": 1}, "right": "view"})
        );
        assert_eq!(PageRight::parse("publish"), Some(PageRight::Publish));
        assert_eq!(ToolRight::parse("use"), Some(ToolRight::Use));
        assert_eq!(ToolRight::parse("own"), None);
        assert_eq!(
            twice.clone().sorted().0[0].grantee,
            Grantee::User(UserId(2))
        );
    }
}
