//! The national schema of the report tables, as static data.
//!
//! Two national templates are in force (see [`Template`]): the 2019 trial format, used for the
//! report years 2019 and 2020, and the revised 2021 format, used from 2021 on. Each report has
//! three statistical tables ([`Table`]); each table has rows ([`Item`]) and columns
//! ([`Measure`]); a published number is one [`Key`] — table, item and measure — of one report.
//!
//! Every code here round-trips through `Display` and `FromStr`, and is the code written in every
//! CSV, JSON and Parquet file the crate produces:
//!
//! ```
//! use xxgk::schema::{Item, Key, Measure, Table};
//!
//! let key: Key = "applications.withheld.state_secret.natural_person".parse()?;
//! assert_eq!(key.table, Table::Applications);
//! assert_eq!(key.item, Item::WithheldStateSecret);
//! assert_eq!(key.measure, Measure::NaturalPerson);
//! assert_eq!(key.item.label(), "属于国家秘密");
//! assert_eq!(key.to_string(), "applications.withheld.state_secret.natural_person");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The format's arithmetic (勾稽关系) is data too: [`Rule`] lists the identities A1–A5 and
//! S1–S5, and [`equations`] expands them into the concrete [`Equation`]s of one template, which
//! is what validation evaluates.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use crate::error::{Error, ErrorKind};

macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in the order of the national template.
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )+ ];

            /// The canonical code, as written in every output.
            pub const fn code(self) -> &'static str {
                match self { $( $name::$variant => $code, )+ }
            }

            /// Position in [`Self::ALL`] (and in the polars `Enum` built from it).
            pub const fn index(self) -> usize {
                self as usize
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                match s {
                    $( $code => Ok($name::$variant), )+
                    _ => Err(Error::new(ErrorKind::UnknownCode { what: $what, code: s.to_string() })),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }
    };
}

code_enum! {
    /// A national template of the statistical tables.
    ///
    /// | variant | code | document | report years |
    /// |---|---|---|---|
    /// | `V2019` | `2019` | 国办公开办函〔2019〕60号 (试行) | 2019, 2020 |
    /// | `V2021` | `2021` | 国办公开办函〔2021〕30号 (修订后) | 2021 onward |
    ///
    /// ```
    /// use xxgk::schema::Template;
    /// assert_eq!(Template::for_year(2020), Template::V2019);
    /// assert_eq!(Template::for_year(2022).to_string(), "2021");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Template, "template" {
        /// The 2019 trial format (report years 2019–2020).
        V2019 = "2019",
        /// The revised 2021 format (report years 2021 onward).
        V2021 = "2021",
    }
}

impl Template {
    /// The template in force for a report year: 2019 format up to 2020, 2021 format after.
    ///
    /// ```
    /// use xxgk::schema::Template;
    /// assert_eq!((Template::for_year(2020), Template::for_year(2021)), (Template::V2019, Template::V2021));
    /// ```
    pub const fn for_year(year: i32) -> Template {
        if year <= 2020 { Template::V2019 } else { Template::V2021 }
    }

    /// The template a table's cells show, read from [`cells`]: the 2021 format when one of
    /// them is published only in that format, else the 2019 format when one is published only
    /// in that one; `None` when every cell is published in both (or there is none). Every
    /// reader (a sheet's tables, a tidy sheet, published text) decides a table's template here.
    ///
    /// ```
    /// use xxgk::schema::{Item, Key, Measure, Template};
    /// let shown = |keys: &[Key]| Template::shown_by(keys.iter().copied());
    /// let granted = Key::new(Item::Granted, Measure::Total);
    /// assert_eq!(shown(&[granted, Key::new(Item::Regulations, Measure::Issued)]), Some(Template::V2021));
    /// // （六）其他处理 as a row of numbers: the 2019 format (in 2021 it is a subtotal).
    /// assert_eq!(shown(&[Key::new(Item::Other, Measure::Total)]), Some(Template::V2019));
    /// assert_eq!(shown(&[granted]), None);
    /// ```
    pub fn shown_by(keys: impl IntoIterator<Item = Key>) -> Option<Template> {
        // The cells each template alone publishes.
        static ONLY: OnceLock<[KeySet; 2]> = OnceLock::new();
        let [only_2019, only_2021] = ONLY.get_or_init(|| {
            let published = |t: Template| cells(t).iter().copied().collect::<KeySet>();
            let (v2019, v2021) = (published(Template::V2019), published(Template::V2021));
            let only = |this: &KeySet, other: &KeySet, t: Template| {
                cells(t).iter().copied().filter(|&k| this.contains(k) && !other.contains(k)).collect()
            };
            [only(&v2019, &v2021, Template::V2019), only(&v2021, &v2019, Template::V2021)]
        });
        let mut shown = None;
        for key in keys {
            if only_2021.contains(key) {
                return Some(Template::V2021);
            }
            if only_2019.contains(key) {
                shown = Some(Template::V2019);
            }
        }
        shown
    }
}

code_enum! {
    /// One of the three statistical tables of a report.
    ///
    /// ```
    /// use xxgk::schema::Table;
    /// assert_eq!("review_litigation".parse::<Table>()?, Table::ReviewLitigation);
    /// assert_eq!(Table::Applications.label(), "收到和处理政府信息公开申请情况");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Table, "table" {
        /// 二、主动公开政府信息情况 — proactive disclosure.
        Proactive = "proactive",
        /// 三、收到和处理政府信息公开申请情况 — applications received and decided.
        Applications = "applications",
        /// 四、政府信息公开行政复议、行政诉讼情况 — administrative review and litigation.
        ReviewLitigation = "review_litigation",
    }
}

impl Table {
    /// The section number the national format gives the table (`二、` …).
    ///
    /// ```
    /// use xxgk::schema::Table;
    /// assert_eq!(format!("{}{}", Table::Applications.numbering(), Table::Applications.label()), "三、收到和处理政府信息公开申请情况");
    /// ```
    pub const fn numbering(self) -> &'static str {
        match self {
            Table::Proactive => "二、",
            Table::Applications => "三、",
            Table::ReviewLitigation => "四、",
        }
    }

    /// The official heading, without its section number.
    pub const fn label(self) -> &'static str {
        match self {
            Table::Proactive => "主动公开政府信息情况",
            Table::Applications => "收到和处理政府信息公开申请情况",
            Table::ReviewLitigation => "政府信息公开行政复议、行政诉讼情况",
        }
    }
}

code_enum! {
    /// A caption group of the proactive table: the item of 条例第二十条 a sub-table reports on.
    /// Captions locate rows; they are not part of an item's code.
    ///
    /// ```
    /// use xxgk::schema::Caption;
    /// assert_eq!(Caption::Art20_8.label(), "第二十条第（八）项");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Caption, "caption" {
        /// 第二十条第（一）项: regulations and normative documents.
        Art20_1 = "art20_1",
        /// 第二十条第（五）项: licensing (and, in 2019, other services).
        Art20_5 = "art20_5",
        /// 第二十条第（六）项: penalties and coercive measures.
        Art20_6 = "art20_6",
        /// 第二十条第（八）项: administrative fees.
        Art20_8 = "art20_8",
        /// 第二十条第（九）项: government procurement (2019 format only).
        Art20_9 = "art20_9",
    }
}

impl Caption {
    /// The official caption text.
    pub const fn label(self) -> &'static str {
        match self {
            Caption::Art20_1 => "第二十条第（一）项",
            Caption::Art20_5 => "第二十条第（五）项",
            Caption::Art20_6 => "第二十条第（六）项",
            Caption::Art20_8 => "第二十条第（八）项",
            Caption::Art20_9 => "第二十条第（九）项",
        }
    }
}

code_enum! {
    /// A row of a table (or, in the review table, a block of columns).
    ///
    /// Codes of sub-items carry their group: `withheld.state_secret` is item 1 of
    /// （三）不予公开. The group items [`Item::Withheld`], [`Item::Unable`], [`Item::NotProcessed`]
    /// and (2021 format) [`Item::Other`] have no row of their own in the template: their values are
    /// derived subtotals, never published values. In the 2019 format [`Item::Other`] is the single
    /// published row （六）其他处理. [`Item::Outcomes`] is a heading only.
    ///
    /// ```
    /// use xxgk::schema::{Item, Table, Template};
    /// let item: Item = "other.overdue_fee".parse()?;
    /// assert_eq!(item.table(), Table::Applications);
    /// assert_eq!(item.parent(), Some(Item::Other));
    /// assert!(item.in_template(Template::V2021) && !item.in_template(Template::V2019));
    /// assert!(Item::Other.is_derived(Template::V2021));
    /// assert!(!Item::Other.is_derived(Template::V2019));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Item, "item" {
        /// 规章 (第二十条第（一）项), both formats.
        Regulations = "regulations",
        /// 行政规范性文件 (2021) / 规范性文件 (2019).
        NormativeDocuments = "normative_documents",
        /// 行政许可 (第二十条第（五）项), both formats.
        Licensing = "licensing",
        /// 其他对外管理服务事项 (第二十条第（五）项), 2019 format only.
        OtherServices = "other_services",
        /// 行政处罚 (第二十条第（六）项), both formats.
        Penalty = "penalty",
        /// 行政强制 (第二十条第（六）项), both formats.
        Coercion = "coercion",
        /// 行政事业性收费 (第二十条第（八）项): an item count in 2019, a money amount in 2021.
        Fees = "fees",
        /// 政府集中采购 (第二十条第（九）项), 2019 format only.
        Procurement = "procurement",
        /// 一、本年新收政府信息公开申请数量.
        NewReceived = "new_received",
        /// 二、上年结转政府信息公开申请数量.
        CarriedOver = "carried_over",
        /// 三、本年度办理结果 — a heading over （一）…（七）, never a value.
        Outcomes = "outcomes",
        /// （一）予以公开.
        Granted = "granted",
        /// （二）部分公开（区分处理的，只计这一情形，不计其他情形）.
        PartiallyGranted = "partially_granted",
        /// （三）不予公开 — group; its value is the derived subtotal of its eight sub-items.
        Withheld = "withheld",
        /// （三）1.属于国家秘密.
        WithheldStateSecret = "withheld.state_secret",
        /// （三）2.其他法律行政法规禁止公开.
        WithheldProhibitedByLaw = "withheld.prohibited_by_law",
        /// （三）3.危及“三安全一稳定”.
        WithheldSecurityStability = "withheld.security_stability",
        /// （三）4.保护第三方合法权益.
        WithheldThirdPartyRights = "withheld.third_party_rights",
        /// （三）5.属于三类内部事务信息.
        WithheldInternalAffairs = "withheld.internal_affairs",
        /// （三）6.属于四类过程性信息.
        WithheldProcessInfo = "withheld.process_info",
        /// （三）7.属于行政执法案卷.
        WithheldEnforcementFile = "withheld.enforcement_file",
        /// （三）8.属于行政查询事项.
        WithheldAdministrativeQuery = "withheld.administrative_query",
        /// （四）无法提供 — group; derived subtotal of its three sub-items.
        Unable = "unable",
        /// （四）1.本机关不掌握相关政府信息.
        UnableNotHeld = "unable.not_held",
        /// （四）2.没有现成信息需要另行制作.
        UnableNeedsCreation = "unable.needs_creation",
        /// （四）3.补正后申请内容仍不明确.
        UnableUnclearAfterCorrection = "unable.unclear_after_correction",
        /// （五）不予处理 — group; derived subtotal of its five sub-items.
        NotProcessed = "not_processed",
        /// （五）1.信访举报投诉类申请.
        NotProcessedPetitionComplaint = "not_processed.petition_complaint",
        /// （五）2.重复申请.
        NotProcessedRepeatApplication = "not_processed.repeat_application",
        /// （五）3.要求提供公开出版物.
        NotProcessedPublication = "not_processed.publication",
        /// （五）4.无正当理由大量反复申请.
        NotProcessedExcessiveRepeated = "not_processed.excessive_repeated",
        /// （五）5.要求行政机关确认或重新出具已获取信息.
        NotProcessedConfirmOrReissue = "not_processed.confirm_or_reissue",
        /// （六）其他处理 — a published row in 2019; in 2021 a group whose value is the derived
        /// subtotal of its three sub-items.
        Other = "other",
        /// （六）1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请 (2021 only).
        OtherOverdueCorrection = "other.overdue_correction",
        /// （六）2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请 (2021 only).
        OtherOverdueFee = "other.overdue_fee",
        /// （六）3.其他 (2021 only).
        OtherOther = "other.other",
        /// （七）总计 — the total of （一）…（六）.
        Total = "total",
        /// 四、结转下年度继续办理.
        CarriedForward = "carried_forward",
        /// 行政复议 — the five review columns.
        Review = "review",
        /// 行政诉讼 › 未经复议直接起诉 — litigation without prior review.
        LitigationDirect = "litigation_direct",
        /// 行政诉讼 › 复议后起诉 — litigation after review.
        LitigationAfterReview = "litigation_after_review",
    }
}

/// What role an item plays in the template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ItemRole {
    /// A row (or column block) holding published values.
    Data,
    /// A group label whose value is a derived subtotal of its sub-items (2021 `other`: see code).
    Group,
    /// A heading that never holds values.
    Heading,
}

struct ItemDef {
    table: Table,
    label: &'static str,
    /// The official numbering printed before the label, if any.
    numbering: Option<&'static str>,
    parent: Option<Item>,
    caption: Option<Caption>,
    templates: &'static [Template],
    role: ItemRole,
}

const BOTH: &[Template] = &[Template::V2019, Template::V2021];
const V2019: &[Template] = &[Template::V2019];
const V2021: &[Template] = &[Template::V2021];

const fn def(
    table: Table,
    numbering: Option<&'static str>,
    label: &'static str,
    parent: Option<Item>,
    caption: Option<Caption>,
    templates: &'static [Template],
    role: ItemRole,
) -> ItemDef {
    ItemDef { table, label, numbering, parent, caption, templates, role }
}

use Item as I;
use ItemRole::{Data, Group, Heading};
use Table::{Applications as APP, Proactive as PRO, ReviewLitigation as REV};

/// One entry per `Item`, in declaration order.
const ITEM_DEFS: &[ItemDef] = &[
    def(PRO, None, "规章", None, Some(Caption::Art20_1), BOTH, Data),
    def(PRO, None, "行政规范性文件", None, Some(Caption::Art20_1), BOTH, Data),
    def(PRO, None, "行政许可", None, Some(Caption::Art20_5), BOTH, Data),
    def(PRO, None, "其他对外管理服务事项", None, Some(Caption::Art20_5), V2019, Data),
    def(PRO, None, "行政处罚", None, Some(Caption::Art20_6), BOTH, Data),
    def(PRO, None, "行政强制", None, Some(Caption::Art20_6), BOTH, Data),
    def(PRO, None, "行政事业性收费", None, Some(Caption::Art20_8), BOTH, Data),
    def(PRO, None, "政府集中采购", None, Some(Caption::Art20_9), V2019, Data),
    def(APP, Some("一、"), "本年新收政府信息公开申请数量", None, None, BOTH, Data),
    def(APP, Some("二、"), "上年结转政府信息公开申请数量", None, None, BOTH, Data),
    def(APP, Some("三、"), "本年度办理结果", None, None, BOTH, Heading),
    def(APP, Some("（一）"), "予以公开", Some(I::Outcomes), None, BOTH, Data),
    def(
        APP,
        Some("（二）"),
        "部分公开（区分处理的，只计这一情形，不计其他情形）",
        Some(I::Outcomes),
        None,
        BOTH,
        Data,
    ),
    def(APP, Some("（三）"), "不予公开", Some(I::Outcomes), None, BOTH, Group),
    def(APP, Some("1."), "属于国家秘密", Some(I::Withheld), None, BOTH, Data),
    def(APP, Some("2."), "其他法律行政法规禁止公开", Some(I::Withheld), None, BOTH, Data),
    def(APP, Some("3."), "危及“三安全一稳定”", Some(I::Withheld), None, BOTH, Data),
    def(APP, Some("4."), "保护第三方合法权益", Some(I::Withheld), None, BOTH, Data),
    def(APP, Some("5."), "属于三类内部事务信息", Some(I::Withheld), None, BOTH, Data),
    def(APP, Some("6."), "属于四类过程性信息", Some(I::Withheld), None, BOTH, Data),
    def(APP, Some("7."), "属于行政执法案卷", Some(I::Withheld), None, BOTH, Data),
    def(APP, Some("8."), "属于行政查询事项", Some(I::Withheld), None, BOTH, Data),
    def(APP, Some("（四）"), "无法提供", Some(I::Outcomes), None, BOTH, Group),
    def(APP, Some("1."), "本机关不掌握相关政府信息", Some(I::Unable), None, BOTH, Data),
    def(APP, Some("2."), "没有现成信息需要另行制作", Some(I::Unable), None, BOTH, Data),
    def(APP, Some("3."), "补正后申请内容仍不明确", Some(I::Unable), None, BOTH, Data),
    def(APP, Some("（五）"), "不予处理", Some(I::Outcomes), None, BOTH, Group),
    def(APP, Some("1."), "信访举报投诉类申请", Some(I::NotProcessed), None, BOTH, Data),
    def(APP, Some("2."), "重复申请", Some(I::NotProcessed), None, BOTH, Data),
    def(APP, Some("3."), "要求提供公开出版物", Some(I::NotProcessed), None, BOTH, Data),
    def(APP, Some("4."), "无正当理由大量反复申请", Some(I::NotProcessed), None, BOTH, Data),
    def(APP, Some("5."), "要求行政机关确认或重新出具已获取信息", Some(I::NotProcessed), None, BOTH, Data),
    // Data in 2019, group in 2021: see `Item::is_derived`.
    def(APP, Some("（六）"), "其他处理", Some(I::Outcomes), None, BOTH, Data),
    def(
        APP,
        Some("1."),
        "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        Some(I::Other),
        None,
        V2021,
        Data,
    ),
    def(
        APP,
        Some("2."),
        "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        Some(I::Other),
        None,
        V2021,
        Data,
    ),
    def(APP, Some("3."), "其他", Some(I::Other), None, V2021, Data),
    def(APP, Some("（七）"), "总计", Some(I::Outcomes), None, BOTH, Data),
    def(APP, Some("四、"), "结转下年度继续办理", None, None, BOTH, Data),
    def(REV, None, "行政复议", None, None, BOTH, Data),
    def(REV, None, "未经复议直接起诉", None, None, BOTH, Data),
    def(REV, None, "复议后起诉", None, None, BOTH, Data),
];

impl Item {
    fn def(self) -> &'static ItemDef {
        &ITEM_DEFS[self as usize]
    }

    /// The table this item belongs to.
    pub fn table(self) -> Table {
        self.def().table
    }

    /// The official label of the 2021 format, without numbering (see [`Item::label_in`]).
    pub fn label(self) -> &'static str {
        self.def().label
    }

    /// The official label in a given template: `normative_documents` is 规范性文件 in 2019.
    ///
    /// ```
    /// use xxgk::schema::{Item, Template};
    /// assert_eq!(Item::NormativeDocuments.label_in(Template::V2019), "规范性文件");
    /// assert_eq!(Item::NormativeDocuments.label_in(Template::V2021), "行政规范性文件");
    /// ```
    pub fn label_in(self, template: Template) -> &'static str {
        match (self, template) {
            (Item::NormativeDocuments, Template::V2019) => "规范性文件",
            _ => self.label(),
        }
    }

    /// The numbering the template prints before the label (`（三）`, `1.`, `一、`), if any.
    ///
    /// ```
    /// use xxgk::schema::Item;
    /// assert_eq!(Item::Withheld.numbering(), Some("（三）"));
    /// assert_eq!(Item::Licensing.numbering(), None);
    /// ```
    pub fn numbering(self) -> Option<&'static str> {
        self.def().numbering
    }

    /// The enclosing group: `withheld` for `withheld.state_secret`, `outcomes` for `granted`.
    pub fn parent(self) -> Option<Item> {
        self.def().parent
    }

    /// The caption group of a proactive-table item (`art20_1` …).
    pub fn caption(self) -> Option<Caption> {
        self.def().caption
    }

    /// The templates this item appears in.
    pub fn templates(self) -> &'static [Template] {
        self.def().templates
    }

    /// Whether the item appears in `template`.
    pub fn in_template(self, template: Template) -> bool {
        self.templates().contains(&template)
    }

    /// Whether the item's values are derived (a group subtotal), never published, in `template`.
    ///
    /// True for `withheld`, `unable`, `not_processed` in both formats, and for `other` in the
    /// 2021 format only.
    pub fn is_derived(self, template: Template) -> bool {
        match self.def().role {
            Group => true,
            Data => self == Item::Other && template == Template::V2021,
            Heading => false,
        }
    }

    /// Whether the item is a heading that never holds values (`outcomes`).
    pub fn is_heading(self) -> bool {
        self.def().role == Heading
    }

    /// The sub-items whose sum is this group's derived subtotal in `template`
    /// (empty for items that are not derived there).
    ///
    /// ```
    /// use xxgk::schema::{Item, Template};
    /// assert_eq!(Item::Unable.members(Template::V2019).len(), 3);
    /// assert_eq!(Item::Other.members(Template::V2021).len(), 3);
    /// assert!(Item::Other.members(Template::V2019).is_empty());
    /// ```
    pub fn members(self, template: Template) -> Vec<Item> {
        if !self.is_derived(template) {
            return Vec::new();
        }
        Item::ALL.iter().copied().filter(|i| i.parent() == Some(self) && i.in_template(template)).collect()
    }

    /// Whether a value of this item in `from` means the same as in `to`, so that the two can be
    /// compared year over year.
    ///
    /// Applications and review are comparable except the （六） sub-items, which only the 2021
    /// format has (compare `other` as a whole). In the proactive table only the decision counts
    /// of licensing, penalties and coercion keep their meaning across the change (national-schema
    /// §6); the other measures are compared only within one template — see
    /// [`comparable()`] for the item-and-measure rule.
    pub fn comparable(self, from: Template, to: Template) -> bool {
        self.in_template(from) && self.in_template(to)
    }
}

code_enum! {
    /// A column of a table.
    ///
    /// ```
    /// use xxgk::schema::{Measure, Unit};
    /// assert_eq!(Measure::Amount.unit(), Unit::Money);
    /// assert_eq!(Measure::ItemsChange.unit(), Unit::SignedCount);
    /// assert_eq!("other_org".parse::<Measure>()?.label(), "其他");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Measure, "measure" {
        /// 本年制发件数 (2021, 第（一）项).
        Issued = "issued",
        /// 本年废止件数 (2021, 第（一）项).
        Repealed = "repealed",
        /// 现行有效件数 (2021, 第（一）项): the stock at year end.
        InForce = "in_force",
        /// 本年新制作数量 (2019, 第（一）项).
        Made = "made",
        /// 本年新公开数量 (2019, 第（一）项).
        Disclosed = "disclosed",
        /// 对外公开总数量 (2019, 第（一）项): cumulative.
        DisclosedTotal = "disclosed_total",
        /// 上一年项目数量 (2019, 第（五）（六）（八）项).
        PrevItems = "prev_items",
        /// 本年增/减 (2019): a signed net change.
        ItemsChange = "items_change",
        /// 本年处理决定数量 (2021) / 处理决定数量 (2019).
        Decisions = "decisions",
        /// 采购项目数量 (2019, 第（九）项).
        Projects = "projects",
        /// 本年收费金额（单位：万元） (2021 fees) / 采购总金额 (2019 procurement); money, in 分.
        Amount = "amount",
        /// 自然人.
        NaturalPerson = "natural_person",
        /// 法人或其他组织 › 商业企业.
        CommercialEnterprise = "commercial_enterprise",
        /// 法人或其他组织 › 科研机构.
        ResearchInstitution = "research_institution",
        /// 法人或其他组织 › 社会公益组织.
        SocialWelfareOrg = "social_welfare_org",
        /// 法人或其他组织 › 法律服务机构.
        LegalServiceOrg = "legal_service_org",
        /// 法人或其他组织 › 其他.
        OtherOrg = "other_org",
        /// 总计: the applicant total (applications) or a block total (review).
        Total = "total",
        /// 结果维持.
        Upheld = "upheld",
        /// 结果纠正.
        Corrected = "corrected",
        /// 其他结果.
        Other = "other",
        /// 尚未审结.
        Pending = "pending",
    }
}

/// What a value counts, and so how it is parsed and shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Unit {
    /// A count (件, decisions, items); never negative.
    Count,
    /// A signed count: the 2019 `items_change` (本年增/减), written `+2` or `-1`.
    SignedCount,
    /// Money, stored exactly as an integer number of 分 and shown in 元 with two decimals.
    Money,
}

impl Measure {
    /// The official column label (2021 wording where the templates differ; see [`Measure::label_in`]).
    pub const fn label(self) -> &'static str {
        match self {
            Measure::Issued => "本年制发件数",
            Measure::Repealed => "本年废止件数",
            Measure::InForce => "现行有效件数",
            Measure::Made => "本年新制作数量",
            Measure::Disclosed => "本年新公开数量",
            Measure::DisclosedTotal => "对外公开总数量",
            Measure::PrevItems => "上一年项目数量",
            Measure::ItemsChange => "本年增/减",
            Measure::Decisions => "本年处理决定数量",
            Measure::Projects => "采购项目数量",
            Measure::Amount => "本年收费金额（单位：万元）",
            Measure::NaturalPerson => "自然人",
            Measure::CommercialEnterprise => "商业企业",
            Measure::ResearchInstitution => "科研机构",
            Measure::SocialWelfareOrg => "社会公益组织",
            Measure::LegalServiceOrg => "法律服务机构",
            Measure::OtherOrg => "其他",
            Measure::Total => "总计",
            Measure::Upheld => "结果维持",
            Measure::Corrected => "结果纠正",
            Measure::Other => "其他结果",
            Measure::Pending => "尚未审结",
        }
    }

    /// The official column label in a template (`decisions` is 处理决定数量 in 2019, `amount`
    /// is 采购总金额 there).
    ///
    /// ```
    /// use xxgk::schema::{Measure, Template};
    /// assert_eq!(Measure::Decisions.label_in(Template::V2019), "处理决定数量");
    /// ```
    pub const fn label_in(self, template: Template) -> &'static str {
        match (self, template) {
            (Measure::Decisions, Template::V2019) => "处理决定数量",
            (Measure::Amount, Template::V2019) => "采购总金额",
            _ => self.label(),
        }
    }

    /// How values of this measure are counted.
    pub const fn unit(self) -> Unit {
        match self {
            Measure::Amount => Unit::Money,
            Measure::ItemsChange => Unit::SignedCount,
            _ => Unit::Count,
        }
    }
}

/// The proactive table's layout in one template: caption groups, their rows and columns.
struct ProactiveGroup {
    caption: Caption,
    items: &'static [Item],
    measures: &'static [Measure],
}

const M19_STOCK: &[Measure] = &[Measure::PrevItems, Measure::ItemsChange, Measure::Decisions];

const PROACTIVE_2021: &[ProactiveGroup] = &[
    ProactiveGroup {
        caption: Caption::Art20_1,
        items: &[Item::Regulations, Item::NormativeDocuments],
        measures: &[Measure::Issued, Measure::Repealed, Measure::InForce],
    },
    ProactiveGroup { caption: Caption::Art20_5, items: &[Item::Licensing], measures: &[Measure::Decisions] },
    ProactiveGroup {
        caption: Caption::Art20_6,
        items: &[Item::Penalty, Item::Coercion],
        measures: &[Measure::Decisions],
    },
    ProactiveGroup { caption: Caption::Art20_8, items: &[Item::Fees], measures: &[Measure::Amount] },
];

const PROACTIVE_2019: &[ProactiveGroup] = &[
    ProactiveGroup {
        caption: Caption::Art20_1,
        items: &[Item::Regulations, Item::NormativeDocuments],
        measures: &[Measure::Made, Measure::Disclosed, Measure::DisclosedTotal],
    },
    ProactiveGroup {
        caption: Caption::Art20_5,
        items: &[Item::Licensing, Item::OtherServices],
        measures: M19_STOCK,
    },
    ProactiveGroup {
        caption: Caption::Art20_6,
        items: &[Item::Penalty, Item::Coercion],
        measures: M19_STOCK,
    },
    ProactiveGroup {
        caption: Caption::Art20_8,
        items: &[Item::Fees],
        measures: &[Measure::PrevItems, Measure::ItemsChange],
    },
    ProactiveGroup {
        caption: Caption::Art20_9,
        items: &[Item::Procurement],
        measures: &[Measure::Projects, Measure::Amount],
    },
];

fn proactive_groups(template: Template) -> &'static [ProactiveGroup] {
    match template {
        Template::V2019 => PROACTIVE_2019,
        Template::V2021 => PROACTIVE_2021,
    }
}

/// The measures (columns) of `table` in `template`, in template order. For the proactive table
/// this is the union over its caption groups; use [`measures_of`] for one item's columns.
///
/// ```
/// use xxgk::schema::{measures, Measure, Table, Template};
/// assert_eq!(measures(Table::Applications, Template::V2021).len(), 7);
/// assert_eq!(measures(Table::ReviewLitigation, Template::V2019).last(), Some(&Measure::Total));
/// ```
pub fn measures(table: Table, template: Template) -> Vec<Measure> {
    match table {
        Table::Applications => vec![
            Measure::NaturalPerson,
            Measure::CommercialEnterprise,
            Measure::ResearchInstitution,
            Measure::SocialWelfareOrg,
            Measure::LegalServiceOrg,
            Measure::OtherOrg,
            Measure::Total,
        ],
        Table::ReviewLitigation => {
            vec![Measure::Upheld, Measure::Corrected, Measure::Other, Measure::Pending, Measure::Total]
        }
        Table::Proactive => {
            let mut out: Vec<Measure> = Vec::new();
            for g in proactive_groups(template) {
                for m in g.measures {
                    if !out.contains(m) {
                        out.push(*m);
                    }
                }
            }
            out
        }
    }
}

/// The measures (columns) an item has in `template`; empty if the item is not in it.
///
/// ```
/// use xxgk::schema::{measures_of, Item, Measure, Template};
/// assert_eq!(measures_of(Item::Fees, Template::V2021), vec![Measure::Amount]);
/// assert_eq!(measures_of(Item::Fees, Template::V2019), vec![Measure::PrevItems, Measure::ItemsChange]);
/// ```
pub fn measures_of(item: Item, template: Template) -> Vec<Measure> {
    if !item.in_template(template) || item.is_heading() {
        return Vec::new();
    }
    match item.table() {
        Table::Proactive => proactive_groups(template)
            .iter()
            .find(|g| g.items.contains(&item))
            .map(|g| g.measures.to_vec())
            .unwrap_or_default(),
        table => measures(table, template),
    }
}

/// The caption group of the proactive table whose columns include `measure` for `item`.
/// Captions and their measures differ between the templates (see [`measures_of`]).
///
/// ```
/// use xxgk::schema::{captions, Caption, Template};
/// assert_eq!(captions(Template::V2021).len(), 4);
/// assert_eq!(captions(Template::V2019).last(), Some(&Caption::Art20_9));
/// ```
pub fn captions(template: Template) -> Vec<Caption> {
    proactive_groups(template).iter().map(|g| g.caption).collect()
}

/// One cell of the schema: a table, an item (row) and a measure (column).
///
/// Displays as `table.item.measure`, e.g. `review_litigation.litigation_after_review.pending`,
/// and parses back.
///
/// ```
/// use xxgk::schema::{Item, Key, Measure, Table};
/// let key = Key::new(Item::LitigationAfterReview, Measure::Pending);
/// assert_eq!(key.table, Table::ReviewLitigation);
/// assert_eq!(key.to_string().parse::<Key>()?, key);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Key {
    /// The table (always `item.table()`).
    pub table: Table,
    /// The row.
    pub item: Item,
    /// The column.
    pub measure: Measure,
}

impl Key {
    /// The key of `item` × `measure`; the table is the item's.
    ///
    /// ```
    /// use xxgk::schema::{Item, Key, Measure};
    /// assert_eq!(Key::new(Item::Total, Measure::Total).to_string(), "applications.total.total");
    /// ```
    pub fn new(item: Item, measure: Measure) -> Key {
        Key { table: item.table(), item, measure }
    }

    /// The number of (item, measure) pairs: the length of a table indexed by [`Key::slot`].
    pub(crate) const SLOTS: usize = Item::ALL.len() * Measure::ALL.len();

    /// The key's place among every (item, measure) pair, in key order: tables indexed by it
    /// need no hashing.
    pub(crate) fn slot(self) -> usize {
        self.item.index() * Measure::ALL.len() + self.measure.index()
    }

    /// The key at `slot` (see [`Key::slot`]).
    pub(crate) fn at_slot(slot: usize) -> Key {
        Key::new(Item::ALL[slot / Measure::ALL.len()], Measure::ALL[slot % Measure::ALL.len()])
    }

    /// Whether this cell exists in `template` (published or derived).
    ///
    /// ```
    /// use xxgk::schema::{Item, Key, Measure, Template};
    /// assert!(Key::new(Item::Fees, Measure::Amount).in_template(Template::V2021));
    /// assert!(!Key::new(Item::Fees, Measure::Amount).in_template(Template::V2019));
    /// ```
    pub fn in_template(self, template: Template) -> bool {
        measures_of(self.item, template).contains(&self.measure)
    }
}

/// A set of keys, one bit per (item, measure): what the readers and checks keep per report
/// without hashing.
#[derive(Clone, Default)]
pub(crate) struct KeySet([u64; KeySet::WORDS]);

impl KeySet {
    const WORDS: usize = Key::SLOTS.div_ceil(64);

    fn bit(key: Key) -> (usize, u64) {
        let slot = key.slot();
        (slot / 64, 1 << (slot % 64))
    }

    /// Add `key`; `false` when it was there already.
    pub(crate) fn insert(&mut self, key: Key) -> bool {
        let (word, bit) = KeySet::bit(key);
        let fresh = self.0[word] & bit == 0;
        self.0[word] |= bit;
        fresh
    }

    pub(crate) fn contains(&self, key: Key) -> bool {
        let (word, bit) = KeySet::bit(key);
        self.0[word] & bit != 0
    }
}

impl FromIterator<Key> for KeySet {
    fn from_iter<I: IntoIterator<Item = Key>>(keys: I) -> KeySet {
        let mut set = KeySet::default();
        for key in keys {
            set.insert(key);
        }
        set
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.table, self.item, self.measure)
    }
}

impl FromStr for Key {
    type Err = Error;
    fn from_str(s: &str) -> Result<Key, Error> {
        let bad = || Error::new(ErrorKind::UnknownCode { what: "key", code: s.to_string() });
        let (table, rest) = s.split_once('.').ok_or_else(bad)?;
        let (item, measure) = rest.rsplit_once('.').ok_or_else(bad)?;
        let table: Table = table.parse()?;
        let item: Item = item.parse()?;
        let measure: Measure = measure.parse()?;
        if item.table() != table {
            return Err(bad());
        }
        Ok(Key { table, item, measure })
    }
}

/// Every published cell of `template`, in template order (tables, then rows, then columns).
/// Derived group subtotals and headings are not included.
///
/// ```
/// use xxgk::schema::{cells, Table, Template};
/// let n = |t, tpl| cells(tpl).iter().filter(|k| k.table == t).count();
/// assert_eq!(n(Table::Applications, Template::V2021), 25 * 7);
/// assert_eq!(n(Table::Applications, Template::V2019), 23 * 7);
/// assert_eq!(n(Table::ReviewLitigation, Template::V2019), 15);
/// ```
pub fn cells(template: Template) -> &'static [Key] {
    static CELLS: OnceLock<[Vec<Key>; 2]> = OnceLock::new();
    let all = CELLS.get_or_init(|| {
        [Template::V2019, Template::V2021].map(|t| {
            Item::ALL
                .iter()
                .filter(|i| !i.is_derived(t))
                .flat_map(|&i| measures_of(i, t).into_iter().map(move |m| Key::new(i, m)))
                .collect()
        })
    });
    &all[template.index()]
}

/// The derived group subtotal cells of `template` (`withheld`, `unable`, `not_processed`, and in
/// 2021 `other`, for each applicant column).
///
/// ```
/// use xxgk::schema::{derived_cells, Template};
/// assert_eq!(derived_cells(Template::V2019).len(), 3 * 7);
/// assert_eq!(derived_cells(Template::V2021).len(), 4 * 7);
/// ```
pub fn derived_cells(template: Template) -> Vec<Key> {
    Item::ALL
        .iter()
        .filter(|i| i.is_derived(template))
        .flat_map(|&i| measures_of(i, template).into_iter().map(move |m| Key::new(i, m)))
        .collect()
}

/// Whether values of `key` in a `from`-template year and a `to`-template year mean the same.
///
/// Within one template everything compares. Across the 2020 → 2021 change: applications and
/// review cells compare where the item exists in both (so `other` compares as a whole, its
/// 2021 sub-items do not); in the proactive table only `decisions` of licensing, penalty and
/// coercion do (national-schema §6).
///
/// ```
/// use xxgk::schema::{comparable, Item, Key, Measure, Template::*};
/// assert!(comparable(Key::new(Item::Other, Measure::Total), V2019, V2021));
/// assert!(!comparable(Key::new(Item::OtherOther, Measure::Total), V2019, V2021));
/// assert!(comparable(Key::new(Item::Penalty, Measure::Decisions), V2019, V2021));
/// assert!(!comparable(Key::new(Item::Regulations, Measure::Issued), V2019, V2021));
/// ```
pub fn comparable(key: Key, from: Template, to: Template) -> bool {
    if !key.in_template(from) || !key.in_template(to) {
        return false;
    }
    if from == to {
        return true;
    }
    match key.table {
        Table::Proactive => key.measure == Measure::Decisions,
        _ => key.item.comparable(from, to),
    }
}

code_enum! {
    /// An identity of the national format (national-schema §4).
    ///
    /// | id | identity | severity |
    /// |---|---|---|
    /// | A1 | per applicant column: 新收 + 上年结转 = （七）总计 + 结转下年度 | error |
    /// | A2 | per applicant column: （七）总计 = （一）+（二）+（三）+（四）+（五）+（六） | error |
    /// | A3 | per row: 总计 = the six applicant columns (also for derived group subtotals) | error |
    /// | A4 | section 四, per block: 总计 = 维持 + 纠正 + 其他 + 尚未审结 | error |
    /// | A5 | each application counted in exactly one outcome row (not checkable from totals) | — |
    /// | S1 | this year's 上年结转 = last year's 结转下年度, same unit | warning |
    /// | S2 | 2021 §二: 现行有效(Y) = 现行有效(Y−1) + 本年制发(Y) − 本年废止(Y) | warning |
    /// | S3 | 2019 §二: 上一年项目数量(Y) = 上一年项目数量(Y−1) + 本年增/减(Y−1) | warning |
    /// | S4 | every count ≥ 0 (2019 本年增/减 is signed) | error |
    /// | S5 | 2019 §二: 对外公开总数量 ≥ 本年新公开数量 | warning |
    ///
    /// ```
    /// use xxgk::schema::{Rule, Severity};
    /// assert_eq!(Rule::A1.severity(), Severity::Error);
    /// assert_eq!("S1".parse::<Rule>()?.severity(), Severity::Warning);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Rule, "rule" {
        /// 新收 + 上年结转 = 总计 + 结转下年度, per applicant column.
        A1 = "A1",
        /// （七）总计 = sum of （一）…（六）, per applicant column.
        A2 = "A2",
        /// 总计 column = sum of the six applicant columns, per row.
        A3 = "A3",
        /// Review/litigation block total = upheld + corrected + other + pending.
        A4 = "A4",
        /// Exclusive counting of outcomes (stated by the template; not checkable from the numbers).
        A5 = "A5",
        /// Cross-year carry-over: 上年结转(Y) = 结转下年度(Y−1).
        S1 = "S1",
        /// 2021 proactive stock: in_force(Y) = in_force(Y−1) + issued(Y) − repealed(Y).
        S2 = "S2",
        /// 2019 proactive items: prev_items(Y) = prev_items(Y−1) + items_change(Y−1).
        S3 = "S3",
        /// No negative counts.
        S4 = "S4",
        /// 2019: disclosed_total ≥ disclosed.
        S5 = "S5",
    }
}

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing is wrong with the data.
    Info,
    /// Probably wrong, or a soft identity that real reports often break.
    Warning,
    /// Wrong: a hard identity broken, a value that cannot be read.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

impl Rule {
    /// Errors for the format's own arithmetic and signs, warnings for the soft identities.
    ///
    /// ```
    /// assert_eq!(xxgk::schema::Rule::S5.severity(), xxgk::schema::Severity::Warning);
    /// ```
    pub const fn severity(self) -> Severity {
        match self {
            Rule::A1 | Rule::A2 | Rule::A3 | Rule::A4 | Rule::A5 | Rule::S4 => Severity::Error,
            Rule::S1 | Rule::S2 | Rule::S3 | Rule::S5 => Severity::Warning,
        }
    }

    /// The identity in words, as the national format states it.
    ///
    /// ```
    /// assert!(xxgk::schema::Rule::A4.statement().contains("尚未审结"));
    /// ```
    pub const fn statement(self) -> &'static str {
        match self {
            Rule::A1 => "per applicant column: 新收 + 上年结转 = （七）总计 + 结转下年度",
            Rule::A2 => "per applicant column: （七）总计 = （一）+（二）+（三）+（四）+（五）+（六）",
            Rule::A3 => "per row: 总计 = 自然人 + the five 法人或其他组织 columns",
            Rule::A4 => "per review/litigation block: 总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结",
            Rule::A5 => "each concluded application is counted in exactly one outcome row",
            Rule::S1 => "per applicant column: 上年结转 (this year) = 结转下年度 (last year)",
            Rule::S2 => "现行有效件数 = last year's 现行有效件数 + 本年制发件数 − 本年废止件数",
            Rule::S3 => "上一年项目数量 = last year's 上一年项目数量 + last year's 本年增/减",
            Rule::S4 => "every count is ≥ 0 (only the 2019 本年增/减 is signed)",
            Rule::S5 => "对外公开总数量 ≥ 本年新公开数量",
        }
    }
}

/// How the two sides of an [`Equation`] relate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Relation {
    /// Σ lhs = Σ rhs.
    Equal,
    /// Σ lhs ≥ Σ rhs (an empty side is 0).
    AtLeast,
}

/// One term of an equation: ±1 × the value of `key`, this year (`lag` 0) or last year (`lag` 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Term {
    /// The cell.
    pub key: Key,
    /// +1 or −1.
    pub sign: i8,
    /// 0 for the report's own year, 1 for the year before (same unit).
    pub lag: u8,
}

impl Term {
    const fn now(key: Key) -> Term {
        Term { key, sign: 1, lag: 0 }
    }
}

/// One concrete instance of a [`Rule`] in one template: Σ `lhs` (relation) Σ `rhs`.
///
/// The `lhs` is the side the template states as the total (the "actual" of a violation), the
/// `rhs` the parts (the "expected").
///
/// ```
/// use xxgk::schema::{equations, Item, Measure, Rule, Template};
/// let a1: Vec<_> = equations(Template::V2021).iter().filter(|e| e.rule == Rule::A1).collect();
/// assert_eq!(a1.len(), 7); // one per applicant column
/// let natural = a1[0];
/// assert_eq!(natural.lhs.len(), 2); // 新收 + 上年结转
/// assert_eq!(natural.rhs[0].key.item, Item::Total);
/// assert_eq!(natural.rhs[0].key.measure, Measure::NaturalPerson);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Equation {
    /// The identity this instantiates.
    pub rule: Rule,
    /// The stated side.
    pub lhs: Vec<Term>,
    /// The other side.
    pub rhs: Vec<Term>,
    /// How the sides relate.
    pub relation: Relation,
}

impl Equation {
    /// Every key the equation involves (with its lag), lhs first.
    ///
    /// ```
    /// use xxgk::schema::{equations, Rule, Template};
    /// let a1 = equations(Template::V2021).iter().find(|e| e.rule == Rule::A1).ok_or("no A1")?;
    /// assert_eq!(a1.terms().count(), 4);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn terms(&self) -> impl Iterator<Item = &Term> {
        self.lhs.iter().chain(self.rhs.iter())
    }

    /// Whether the equation spans two years.
    ///
    /// ```
    /// use xxgk::schema::{equations, Rule, Template};
    /// assert!(equations(Template::V2021).iter().filter(|e| e.rule == Rule::S1).all(|e| e.is_cross_year()));
    /// ```
    pub fn is_cross_year(&self) -> bool {
        self.terms().any(|t| t.lag > 0)
    }
}

/// Every equation of `template`: the rules of [`Rule`] expanded over rows and columns.
///
/// Group subtotal identities (A3 over `withheld` …) are included with the derived keys, so a
/// validator that fills derived cells first checks them too.
///
/// ```
/// use xxgk::schema::{equations, Rule, Template};
/// let a4 = equations(Template::V2021).iter().filter(|e| e.rule == Rule::A4).count();
/// assert_eq!(a4, 3); // 行政复议 and the two litigation blocks
/// ```
pub fn equations(template: Template) -> &'static [Equation] {
    static EQS: OnceLock<[Vec<Equation>; 2]> = OnceLock::new();
    let all = EQS.get_or_init(|| [Template::V2019, Template::V2021].map(build_equations));
    &all[template.index()]
}

fn build_equations(t: Template) -> Vec<Equation> {
    let mut out = Vec::new();
    let eq = |rule, lhs, rhs| Equation { rule, lhs, rhs, relation: Relation::Equal };
    let app_cols = measures(Table::Applications, t);
    let k = Key::new;
    // The （一）…（六） rows whose sum is （七）总计.
    let outcome_parts: Vec<Item> = Item::ALL
        .iter()
        .copied()
        .filter(|i| i.in_template(t) && !i.is_derived(t) && !i.is_heading())
        .filter(|i| {
            let p = i.parent();
            (p == Some(Item::Outcomes) && *i != Item::Total)
                || p.is_some_and(|p| p != Item::Outcomes && p.is_derived(t))
        })
        .collect();
    for &c in &app_cols {
        out.push(eq(
            Rule::A1,
            vec![Term::now(k(Item::NewReceived, c)), Term::now(k(Item::CarriedOver, c))],
            vec![Term::now(k(Item::Total, c)), Term::now(k(Item::CarriedForward, c))],
        ));
    }
    for &c in &app_cols {
        out.push(eq(
            Rule::A2,
            vec![Term::now(k(Item::Total, c))],
            outcome_parts.iter().map(|&i| Term::now(k(i, c))).collect(),
        ));
    }
    let parts: Vec<Measure> = app_cols.iter().copied().filter(|&m| m != Measure::Total).collect();
    for &i in Item::ALL {
        if i.table() == Table::Applications && i.in_template(t) && !i.is_heading() {
            out.push(eq(
                Rule::A3,
                vec![Term::now(k(i, Measure::Total))],
                parts.iter().map(|&m| Term::now(k(i, m))).collect(),
            ));
        }
    }
    for block in [Item::Review, Item::LitigationDirect, Item::LitigationAfterReview] {
        out.push(eq(
            Rule::A4,
            vec![Term::now(k(block, Measure::Total))],
            [Measure::Upheld, Measure::Corrected, Measure::Other, Measure::Pending]
                .iter()
                .map(|&m| Term::now(k(block, m)))
                .collect(),
        ));
    }
    for &c in &app_cols {
        out.push(eq(
            Rule::S1,
            vec![Term::now(k(Item::CarriedOver, c))],
            vec![Term { key: k(Item::CarriedForward, c), sign: 1, lag: 1 }],
        ));
    }
    match t {
        Template::V2021 => {
            for i in [Item::Regulations, Item::NormativeDocuments] {
                out.push(eq(
                    Rule::S2,
                    vec![Term::now(k(i, Measure::InForce))],
                    vec![
                        Term { key: k(i, Measure::InForce), sign: 1, lag: 1 },
                        Term::now(k(i, Measure::Issued)),
                        Term { key: k(i, Measure::Repealed), sign: -1, lag: 0 },
                    ],
                ));
            }
        }
        Template::V2019 => {
            for &i in Item::ALL {
                if measures_of(i, t).contains(&Measure::ItemsChange) {
                    out.push(eq(
                        Rule::S3,
                        vec![Term::now(k(i, Measure::PrevItems))],
                        vec![
                            Term { key: k(i, Measure::PrevItems), sign: 1, lag: 1 },
                            Term { key: k(i, Measure::ItemsChange), sign: 1, lag: 1 },
                        ],
                    ));
                }
            }
        }
    }
    for key in cells(t) {
        if key.measure.unit() != Unit::SignedCount {
            out.push(Equation {
                rule: Rule::S4,
                lhs: vec![Term::now(*key)],
                rhs: Vec::new(),
                relation: Relation::AtLeast,
            });
        }
    }
    if t == Template::V2019 {
        for i in [Item::Regulations, Item::NormativeDocuments] {
            out.push(Equation {
                rule: Rule::S5,
                lhs: vec![Term::now(k(i, Measure::DisclosedTotal))],
                rhs: vec![Term::now(k(i, Measure::Disclosed))],
                relation: Relation::AtLeast,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_set_holds_each_key_on_its_own() {
        let every: Vec<Key> = Item::ALL
            .iter()
            .flat_map(|&i| Measure::ALL.iter().map(move |&m| Key { table: i.table(), item: i, measure: m }))
            .collect();
        let mut set = KeySet::default();
        for (n, &k) in every.iter().enumerate() {
            assert!(!set.contains(k) && set.insert(k) && !set.insert(k), "{k}");
            // Nothing but the keys inserted so far.
            assert!(every[..=n].iter().all(|&x| set.contains(x)));
            assert!(every[n + 1..].iter().all(|&x| !set.contains(x)), "{k}");
        }
    }

    #[test]
    fn codes_round_trip() {
        for &i in Item::ALL {
            assert_eq!(i.code().parse::<Item>().unwrap(), i);
        }
        for &m in Measure::ALL {
            assert_eq!(m.code().parse::<Measure>().unwrap(), m);
        }
        for &r in Rule::ALL {
            assert_eq!(r.to_string().parse::<Rule>().unwrap(), r);
        }
        for t in [Template::V2019, Template::V2021] {
            for key in cells(t).iter().chain(derived_cells(t).iter()) {
                assert_eq!(key.to_string().parse::<Key>().unwrap(), *key);
            }
        }
        assert_eq!(ITEM_DEFS.len(), Item::ALL.len());
    }

    #[test]
    fn unknown_code_is_an_error_naming_it() {
        let err = "withheld.secret".parse::<Item>().unwrap_err();
        assert_eq!(err.to_string(), "unknown item code \"withheld.secret\"");
        assert!("proactive.total.total".parse::<Key>().is_err());
    }

    #[test]
    fn template_sizes_match_the_national_format() {
        let count = |t, table| cells(t).iter().filter(|k| k.table == table).count();
        // v2021 §二: 2×3 + 1 + 2 + 1; v2019: 2×3 + 2×3 + 2×3 + 2 + 2.
        assert_eq!(count(Template::V2021, Table::Proactive), 10);
        assert_eq!(count(Template::V2019, Table::Proactive), 22);
        assert_eq!(count(Template::V2021, Table::Applications), 175);
        assert_eq!(count(Template::V2019, Table::Applications), 161);
        assert_eq!(count(Template::V2021, Table::ReviewLitigation), 15);
    }

    #[test]
    fn a2_sums_the_leaf_outcomes() {
        let a2 = equations(Template::V2021).iter().find(|e| e.rule == Rule::A2).unwrap();
        // （一）（二） + 8 + 3 + 5 + 3 sub-items of （六）.
        assert_eq!(a2.rhs.len(), 2 + 8 + 3 + 5 + 3);
        let a2 = equations(Template::V2019).iter().find(|e| e.rule == Rule::A2).unwrap();
        assert_eq!(a2.rhs.len(), 2 + 8 + 3 + 5 + 1);
        assert!(a2.rhs.iter().any(|t| t.key.item == Item::Other));
    }

    #[test]
    fn a3_covers_derived_subtotals() {
        let has = |t, item| equations(t).iter().any(|e| e.rule == Rule::A3 && e.lhs[0].key.item == item);
        assert!(has(Template::V2021, Item::Withheld));
        assert!(has(Template::V2021, Item::Other));
        assert!(has(Template::V2019, Item::Other));
        assert!(!has(Template::V2019, Item::OtherOther));
    }
}
