//! Label text → schema code; cell text → value.
//!
//! Real spreadsheets write the national labels in every way a person filling a form can think
//! of: full- and half-width brackets and digits, three kinds of quotes around 三安全一稳定, line
//! breaks and spaces anywhere, numbering present or absent, annotations appended in brackets,
//! truncations, and other projects' aliases. [`label`] folds all of that away and looks the
//! result up in a map built once from the schema, so a label costs one fold and one hash lookup.
//!
//! `其他` and `总计` mean different things in different places (an applicant column, a （六）
//! sub-item, the （七） row, a review total): the lookup takes a [`Context`] and answers
//! [`Lookup::Ambiguous`] rather than guess when the context does not decide.
//!
//! ```
//! use xxgk::normalize::{label, Context, Label, Lookup};
//! use xxgk::schema::{Item, Measure, Table};
//!
//! let row = Context::Row { table: Table::Applications, group: None };
//! assert_eq!(label("（三）\n不予公开", row), Lookup::Found(Label::Item(Item::Withheld)));
//! assert_eq!(label("3. 危及\"三安全一稳定\"", row),
//!            Lookup::Found(Label::Item(Item::WithheldSecurityStability)));
//! let col = Context::Column { table: Table::Applications };
//! assert_eq!(label("商业企\n业", col), Lookup::Found(Label::Measure(Measure::CommercialEnterprise)));
//! assert!(matches!(label("其他", Context::Any), Lookup::Ambiguous(_)));
//! ```
//!
//! Cell values go through [`value`]: blanks (`""`, `-`, `—`, `/`, `无`) are `None`, distinct
//! from `Some(0)`; money is an exact integer number of 分.

use foldhash::{HashMap, HashMapExt};
use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;

use crate::schema::{Caption, Item, Measure, Table, Template, Unit};

/// What a label names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Label {
    /// A table's heading (二、主动公开政府信息情况 …).
    Title(Table),
    /// A proactive-table caption (第二十条第（一）项 …).
    Caption(Caption),
    /// A row (or, in the review table, a column block such as 行政复议).
    Item(Item),
    /// A column.
    Measure(Measure),
    /// A header cell that is not itself a column (申请人情况, 法人或其他组织 …).
    Header(Header),
}

/// Header cells that organise a table without being one of its columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Header {
    /// 申请人情况: spans the seven applicant columns.
    Applicants,
    /// 法人或其他组织: spans the five organisation columns.
    Organisations,
    /// 行政诉讼: spans the two litigation blocks.
    Litigation,
    /// 信息内容: the first header cell of a proactive sub-table.
    Content,
    /// 小计 / 法人或其他组织小计: a column some spreadsheets add; derived, checked, not data.
    Subtotal,
    /// The applications table's corner note (本列数据的勾稽关系为…).
    CornerNote,
}

/// Where a label was found: the lookup uses it to tell `其他` from `其他`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Context {
    /// Nothing is known: every reading is a candidate.
    Any,
    /// A table heading or a caption, above a table.
    Title,
    /// A row label of `table`, inside the group `group` when the sheet shows one (a merged
    /// `（六）其他处理` cell beside the sub-item).
    Row {
        /// The table being read.
        table: Table,
        /// The enclosing group label, if any.
        group: Option<Item>,
    },
    /// A column header of `table`.
    Column {
        /// The table being read.
        table: Table,
    },
}

/// The answer of [`label`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Lookup {
    /// Exactly one reading.
    Found(Label),
    /// Several readings; the context does not decide between them. Sorted, no duplicates.
    Ambiguous(Vec<Label>),
    /// Not a label of the national format.
    NotFound,
}

/// The numbering in front of a label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Numbering {
    /// 一、 二、 …
    Section(u8),
    /// （一） （二） …
    Paren(u8),
    /// 1. 1、 (1) …
    Arabic(u8),
}

impl Numbering {
    fn same_kind(self, other: Numbering) -> bool {
        std::mem::discriminant(&self) == std::mem::discriminant(&other)
    }
}

/// A label taken apart: numbering, the core text to match, trailing annotations.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Folded {
    numbering: Option<Numbering>,
    core: String,
}

const QUOTES: &[char] = &['"', '\'', '“', '”', '‘', '’', '「', '」', '『', '』', '〝', '〞', '＂'];
const SEPARATORS: &[char] = &[',', '、', ';', ':', '/', '.', '·', '，', '；', '：', '／', '．'];

/// NFKC, then drop whitespace (line breaks, U+3000 …) and quote characters.
fn squeeze(text: &str) -> String {
    text.nfkc().filter(|c| !c.is_whitespace() && !QUOTES.contains(c)).collect()
}

fn chinese_number(s: &str) -> Option<u8> {
    const DIGITS: &str = "一二三四五六七八九";
    let chars: Vec<char> = s.chars().collect();
    let digit = |c: char| DIGITS.chars().position(|d| d == c).map(|p| p as u8 + 1);
    match chars.as_slice() {
        [c] if *c == '十' => Some(10),
        [c] => digit(*c),
        ['十', c] => digit(*c).map(|d| 10 + d),
        [a, '十'] => digit(*a).map(|d| d * 10),
        [a, '十', b] => Some(digit(*a)? * 10 + digit(*b)?),
        _ => None,
    }
}

fn is_chinese_digit(c: char) -> bool {
    "一二三四五六七八九十".contains(c)
}

/// Split a leading numbering off a squeezed label.
fn split_numbering(s: &str) -> (Option<Numbering>, &str) {
    // （一） / (一)
    if let Some(rest) = s.strip_prefix('(') {
        if let Some(end) = rest.find(')') {
            let inner = &rest[..end];
            let after = &rest[end + 1..];
            if let Some(n) = chinese_number(inner) {
                return (Some(Numbering::Paren(n)), after);
            }
            if let Ok(n) = inner.parse::<u8>() {
                return (Some(Numbering::Arabic(n)), after);
            }
        }
        return (None, s);
    }
    // 一、
    let head: String = s.chars().take_while(|&c| is_chinese_digit(c)).collect();
    if !head.is_empty() {
        let rest = &s[head.len()..];
        if let (Some(after), Some(n)) = (rest.strip_prefix('、'), chinese_number(&head)) {
            return (Some(Numbering::Section(n)), after);
        }
        return (None, s);
    }
    // 1. 1、 1)
    let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
    if !digits.is_empty() && digits.len() <= 2 {
        let rest = &s[digits.len()..];
        for sep in ['.', '、', ')'] {
            if let Some(after) = rest.strip_prefix(sep) {
                // "1.5" is a number, not a numbering.
                if let (false, Ok(n)) = (after.starts_with(|c: char| c.is_ascii_digit()), digits.parse()) {
                    return (Some(Numbering::Arabic(n)), after);
                }
            }
        }
    }
    (None, s)
}

/// Remove trailing bracketed annotations: `规章(设区的市…)` → `规章`.
fn strip_annotations(mut s: &str) -> &str {
    while s.ends_with(')') {
        match matching_open(s) {
            Some(0) | None => break,
            Some(open) => s = &s[..open],
        }
    }
    s
}

/// The byte index of the `(` matching the final `)` of `s`.
fn matching_open(s: &str) -> Option<usize> {
    let mut depth = 0i32;
    for (i, c) in s.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn fold(text: &str) -> Folded {
    let squeezed = squeeze(text);
    let (numbering, rest) = split_numbering(&squeezed);
    let core: String = strip_annotations(rest).chars().filter(|c| !SEPARATORS.contains(c)).collect();
    Folded { numbering, core }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Title,
    Row,
    Column,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    label: Label,
    role: Role,
    table: Option<Table>,
    parent: Option<Item>,
    numbering: Option<Numbering>,
}

impl Entry {
    fn fits(&self, ctx: Context) -> bool {
        match ctx {
            Context::Any => true,
            Context::Title => self.role == Role::Title,
            Context::Row { table, .. } => self.role == Role::Row && self.table == Some(table),
            Context::Column { table } => self.role == Role::Column && self.table == Some(table),
        }
    }
}

struct Index {
    exact: HashMap<String, Vec<Entry>>,
    keywords: Vec<(String, Entry)>,
}

/// Labels of other projects and of real reports that are not the official wording
/// (national-schema §7). Each maps to exactly one code in its context.
const ROW_ALIASES: &[(&str, Item)] = &[
    ("合计", Item::Total),
    ("办理结果合计", Item::Total),
    ("予以公开情况", Item::Granted),
    ("结转下年", Item::CarriedForward),
    ("结转下年度", Item::CarriedForward),
    ("国家秘密", Item::WithheldStateSecret),
    ("法律行政法规禁止公开", Item::WithheldProhibitedByLaw),
    ("内部事务信息", Item::WithheldInternalAffairs),
    ("过程性信息", Item::WithheldProcessInfo),
    ("行政执法案卷", Item::WithheldEnforcementFile),
    ("行政查询事项", Item::WithheldAdministrativeQuery),
    ("不掌握相关政府信息", Item::UnableNotHeld),
    ("申请内容不明确", Item::UnableUnclearAfterCorrection),
    ("逾期不补正", Item::OtherOverdueCorrection),
    ("逾期未缴费", Item::OtherOverdueFee),
    ("新收", Item::NewReceived),
    ("上年结转", Item::CarriedOver),
];

const COLUMN_ALIASES: &[(&str, Measure)] = &[
    ("企业", Measure::CommercialEnterprise),
    ("科研", Measure::ResearchInstitution),
    ("公益组织", Measure::SocialWelfareOrg),
    ("社会组织", Measure::SocialWelfareOrg),
    ("社会公益", Measure::SocialWelfareOrg),
    ("法律服务", Measure::LegalServiceOrg),
    ("合计", Measure::Total),
];

/// Distinctive substrings, tried only when the whole label is not known (a long label with an
/// unusual wording). A label containing keywords of two different codes is ambiguous.
const ROW_KEYWORDS: &[(&str, Item)] = &[
    ("国家秘密", Item::WithheldStateSecret),
    ("禁止公开", Item::WithheldProhibitedByLaw),
    ("三安全一稳定", Item::WithheldSecurityStability),
    ("第三方", Item::WithheldThirdPartyRights),
    ("内部事务", Item::WithheldInternalAffairs),
    ("过程性", Item::WithheldProcessInfo),
    ("执法案卷", Item::WithheldEnforcementFile),
    ("行政查询", Item::WithheldAdministrativeQuery),
    ("不掌握", Item::UnableNotHeld),
    ("另行制作", Item::UnableNeedsCreation),
    ("仍不明确", Item::UnableUnclearAfterCorrection),
    ("信访", Item::NotProcessedPetitionComplaint),
    ("重复申请", Item::NotProcessedRepeatApplication),
    ("出版物", Item::NotProcessedPublication),
    ("大量反复", Item::NotProcessedExcessiveRepeated),
    ("重新出具", Item::NotProcessedConfirmOrReissue),
    ("逾期不补正", Item::OtherOverdueCorrection),
    ("收费通知", Item::OtherOverdueFee),
    ("缴纳费用", Item::OtherOverdueFee),
    ("予以公开", Item::Granted),
    ("部分公开", Item::PartiallyGranted),
    ("本年新收", Item::NewReceived),
    ("上年结转", Item::CarriedOver),
    ("结转下年", Item::CarriedForward),
    ("规范性文件", Item::NormativeDocuments),
    ("对外管理服务", Item::OtherServices),
    ("集中采购", Item::Procurement),
    ("事业性收费", Item::Fees),
];

const COLUMN_KEYWORDS: &[(&str, Measure)] = &[
    ("制发", Measure::Issued),
    ("废止", Measure::Repealed),
    ("现行有效", Measure::InForce),
    ("新制作", Measure::Made),
    ("新公开", Measure::Disclosed),
    ("公开总数", Measure::DisclosedTotal),
    ("上一年项目", Measure::PrevItems),
    ("增减", Measure::ItemsChange),
    ("处理决定", Measure::Decisions),
    ("采购项目", Measure::Projects),
    ("收费金额", Measure::Amount),
    ("采购总金额", Measure::Amount),
];

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(build_index)
}

fn build_index() -> Index {
    let mut exact: HashMap<String, Vec<Entry>> = HashMap::new();
    let mut add = |text: &str, entry: Entry| {
        let f = fold(text);
        let entry = Entry { numbering: entry.numbering.or(f.numbering), ..entry };
        let list = exact.entry(f.core).or_default();
        if !list.iter().any(|e| {
            e.label == entry.label
                && e.role == entry.role
                && e.table == entry.table
                && e.numbering == entry.numbering
        }) {
            list.push(entry);
        }
    };
    let row = |item: Item| Entry {
        label: Label::Item(item),
        role: Row,
        table: Some(item.table()),
        parent: item.parent(),
        numbering: None,
    };
    let col = |label: Label, table: Table| Entry {
        label,
        role: Column,
        table: Some(table),
        parent: None,
        numbering: None,
    };
    use Role::{Column, Row};

    for &table in Table::ALL {
        add(
            table.label(),
            Entry {
                label: Label::Title(table),
                role: Role::Title,
                table: Some(table),
                parent: None,
                numbering: None,
            },
        );
    }
    add(
        "因政府信息公开工作被申请行政复议和提起行政诉讼情况",
        Entry {
            label: Label::Title(Table::ReviewLitigation),
            role: Role::Title,
            table: Some(Table::ReviewLitigation),
            parent: None,
            numbering: None,
        },
    );
    for &caption in Caption::ALL {
        add(
            caption.label(),
            Entry {
                label: Label::Caption(caption),
                role: Role::Title,
                table: Some(Table::Proactive),
                parent: None,
                numbering: None,
            },
        );
    }
    for &item in Item::ALL {
        let is_block = item.table() == Table::ReviewLitigation;
        for template in [Template::V2019, Template::V2021] {
            let text = item.label_in(template);
            if is_block {
                add(text, col(Label::Item(item), Table::ReviewLitigation));
            } else {
                let numbered = format!("{}{}", item.numbering().unwrap_or(""), text);
                add(&numbered, row(item));
            }
        }
    }
    // "(六) 其他" — the （六） group label truncated (沭阳 2025).
    add("（六）其他", row(Item::Other));
    for (text, item) in ROW_ALIASES {
        add(text, row(*item));
    }
    for &measure in Measure::ALL {
        let tables: &[Table] = match measure {
            Measure::Total => &[Table::Applications, Table::ReviewLitigation],
            Measure::Upheld | Measure::Corrected | Measure::Other | Measure::Pending => {
                &[Table::ReviewLitigation]
            }
            Measure::NaturalPerson
            | Measure::CommercialEnterprise
            | Measure::ResearchInstitution
            | Measure::SocialWelfareOrg
            | Measure::LegalServiceOrg
            | Measure::OtherOrg => &[Table::Applications],
            _ => &[Table::Proactive],
        };
        for &table in tables {
            for template in [Template::V2019, Template::V2021] {
                add(measure.label_in(template), col(Label::Measure(measure), table));
            }
        }
    }
    for (text, measure) in COLUMN_ALIASES {
        let tables: &[Table] = if *measure == Measure::Total {
            &[Table::Applications, Table::ReviewLitigation]
        } else {
            &[Table::Applications]
        };
        for &table in tables {
            add(text, col(Label::Measure(*measure), table));
        }
    }
    // The 2019 headers wrapped as "本年新<br/>制作数量" lose their second line in extracted text.
    add("本年新", col(Label::Measure(Measure::Made), Table::Proactive));
    add("本年新", col(Label::Measure(Measure::Disclosed), Table::Proactive));
    let headers = [
        ("申请人情况", Header::Applicants, Table::Applications),
        ("法人或其他组织", Header::Organisations, Table::Applications),
        ("小计", Header::Subtotal, Table::Applications),
        ("法人或其他组织小计", Header::Subtotal, Table::Applications),
        ("行政诉讼", Header::Litigation, Table::ReviewLitigation),
        ("信息内容", Header::Content, Table::Proactive),
    ];
    for (text, header, table) in headers {
        add(text, col(Label::Header(header), table));
    }

    let mut keywords = Vec::new();
    for (kw, item) in ROW_KEYWORDS {
        keywords.push((kw.to_string(), row(*item)));
    }
    for (kw, measure) in COLUMN_KEYWORDS {
        keywords.push((kw.to_string(), col(Label::Measure(*measure), Table::Proactive)));
    }
    Index { exact, keywords }
}

/// The schema element a label names, in a context.
///
/// Folding: Unicode NFKC (full-width brackets and digits become half-width), whitespace and
/// line breaks removed wherever they are, quotes removed, leading numbering (`一、` `（一）`
/// `(1)` `1.` `1、`) taken apart, trailing bracketed annotations removed, separators
/// (`、，,：/`) removed. The folded text is looked up in a map built once from the schema and
/// the aliases of national-schema §7. When the numbering is present it decides between readings
/// (`（六）其他` is the group, `3.其他` its third sub-item); when the context is a row inside a group,
/// the group decides. A label not in the map is tried against distinctive keywords
/// (`…国家秘密…`) before giving up.
///
/// ```
/// use xxgk::normalize::{label, Context, Label, Lookup};
/// use xxgk::schema::{Item, Measure, Table};
///
/// let app = Table::Applications;
/// // 其他 is a column header, the truncated （六） group, and （六）'s third sub-item.
/// assert_eq!(label("其他", Context::Column { table: app }),
///            Lookup::Found(Label::Measure(Measure::OtherOrg)));
/// assert_eq!(label("(六) 其他", Context::Row { table: app, group: None }),
///            Lookup::Found(Label::Item(Item::Other)));
/// assert_eq!(label("其他", Context::Row { table: app, group: Some(Item::Other) }),
///            Lookup::Found(Label::Item(Item::OtherOther)));
/// // 总计 is a row in the applications table and a column in two tables.
/// assert_eq!(label("（七）总计", Context::Row { table: app, group: None }),
///            Lookup::Found(Label::Item(Item::Total)));
/// assert_eq!(label("总 计", Context::Column { table: Table::ReviewLitigation }),
///            Lookup::Found(Label::Measure(Measure::Total)));
/// assert_eq!(label("本年增/减(指2020年增加或减少的事项数,减用负值表示,如-8)",
///                  Context::Column { table: Table::Proactive }),
///            Lookup::Found(Label::Measure(Measure::ItemsChange)));
/// assert_eq!(label("招商引资", Context::Any), Lookup::NotFound);
/// ```
pub fn label(text: &str, ctx: Context) -> Lookup {
    Readings::of(text).label(ctx)
}

/// [`label`] taken apart: a text folded and matched against the exact labels once, then read
/// in each context it is asked in (a reader asks one text as a column, a row and a title).
pub(crate) struct Readings {
    folded: Folded,
    corner: bool,
    exact: &'static [Entry],
    title: Option<Table>,
    /// The keyword matches, found when an exact match does not decide.
    keywords: std::cell::OnceCell<Vec<Entry>>,
}

impl Readings {
    pub(crate) fn of(text: &str) -> Readings {
        let folded = fold(text);
        let exact = index().exact.get(&folded.core).map_or(&[][..], Vec::as_slice);
        Readings {
            corner: is_corner_note(&folded.core),
            title: title_by_keyword(&folded.core),
            folded,
            exact,
            keywords: std::cell::OnceCell::new(),
        }
    }

    /// What the text reads as in `ctx` (see [`label`]).
    pub(crate) fn label(&self, ctx: Context) -> Lookup {
        let folded = &self.folded;
        if self.corner {
            return match ctx {
                Context::Any | Context::Column { table: Table::Applications } => {
                    Lookup::Found(Label::Header(Header::CornerNote))
                }
                _ => Lookup::NotFound,
            };
        }
        if folded.core.is_empty() {
            return Lookup::NotFound;
        }
        if !self.exact.is_empty() {
            let found = choose(self.exact.iter().copied(), folded, ctx);
            if found != Lookup::NotFound {
                return found;
            }
        }
        if let (Some(title), Context::Any | Context::Title) = (self.title, ctx) {
            return Lookup::Found(Label::Title(title));
        }
        let hits = self.keywords.get_or_init(|| {
            let keywords = &index().keywords;
            keywords.iter().filter(|(kw, _)| folded.core.contains(kw.as_str())).map(|(_, e)| *e).collect()
        });
        choose(hits.iter().copied(), folded, ctx)
    }
}

fn is_corner_note(core: &str) -> bool {
    core.contains("勾稽") || (core.contains("第一项加第二项") && core.contains("之和"))
}

fn title_by_keyword(core: &str) -> Option<Table> {
    if core.contains("行政复议") && core.contains("行政诉讼") && core.ends_with("情况") {
        Some(Table::ReviewLitigation)
    } else if core.contains("收到和处理政府信息公开申请") {
        Some(Table::Applications)
    } else if core.contains("主动公开政府信息情况") {
        Some(Table::Proactive)
    } else {
        None
    }
}

fn choose(entries: impl Iterator<Item = Entry>, folded: &Folded, ctx: Context) -> Lookup {
    let mut fits: Vec<Entry> = entries.filter(|e| e.fits(ctx)).collect();
    if let (Some(n), true) = (folded.numbering, fits.len() > 1) {
        narrow(&mut fits, |e| e.numbering.is_some_and(|m| m.same_kind(n)));
        narrow(&mut fits, |e| e.numbering == Some(n));
    }
    if let (Context::Row { group: Some(g), .. }, true) = (ctx, fits.len() > 1) {
        narrow(&mut fits, |e| e.parent == Some(g));
    }
    let mut labels: Vec<Label> = fits.iter().map(|e| e.label).collect();
    labels.sort_by_key(label_order);
    labels.dedup();
    match labels.len() {
        0 => Lookup::NotFound,
        1 => Lookup::Found(labels[0]),
        _ => Lookup::Ambiguous(labels),
    }
}

/// Keep the entries matching `pred`, unless none do.
fn narrow(entries: &mut Vec<Entry>, pred: impl Fn(&Entry) -> bool) {
    if entries.iter().any(&pred) {
        entries.retain(pred);
    }
}

fn label_order(l: &Label) -> (u8, usize) {
    match l {
        Label::Title(t) => (0, t.index()),
        Label::Caption(c) => (1, c.index()),
        Label::Item(i) => (2, i.index()),
        Label::Measure(m) => (3, m.index()),
        Label::Header(h) => (4, *h as usize),
    }
}

/// How money without a unit in its cell is to be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MoneyScale {
    /// 元 (1 元 = 100 分).
    Yuan,
    /// 万元 (1 万元 = 1,000,000 分), as the 2021 fee column states in its header.
    WanYuan,
}

impl MoneyScale {
    /// 分 per unit.
    ///
    /// ```
    /// assert_eq!(xxgk::normalize::MoneyScale::WanYuan.fen(), 1_000_000);
    /// ```
    pub const fn fen(self) -> i64 {
        match self {
            MoneyScale::Yuan => 100,
            MoneyScale::WanYuan => 1_000_000,
        }
    }

    const fn decimals(self) -> u32 {
        match self {
            MoneyScale::Yuan => 2,
            MoneyScale::WanYuan => 6,
        }
    }
}

/// A cell's value: `None` is blank, never the same as `Some(0)`; plus any annotation.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Parsed {
    /// The number (money in 分), or `None` for a blank cell.
    pub value: Option<i64>,
    /// An annotation written beside the number, e.g. `其中修订16件`.
    pub note: Option<String>,
}

/// Why a cell's text is not a value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot read {raw:?} as a number: {reason}")]
#[non_exhaustive]
pub struct ValueError {
    /// The cell's text as written.
    pub raw: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

const BLANKS: &[&str] = &["", "-", "--", "—", "——", "–", "－", "―", "/", "\\", "无", "空"];
const COUNT_UNITS: &[&str] = &["件", "项", "个", "条", "次", "宗", "起"];

/// Read a cell's text as a value of `unit`; `scale` says how money without a unit is meant.
///
/// Accepted: integers and decimals, full-width digits, thousands separators, signs (`+2`,
/// `-1`), a unit in the cell (`251000元`, `439.0745万元`, `3件`), and an annotation in brackets
/// after the number (`22（其中修订16件）` → 22, note `其中修订16件`). `""`, `-`, `—`, `/` and `无`
/// are blank. Counts must be whole; money is exact to the 分 (万元 with up to six decimals).
///
/// ```
/// use xxgk::normalize::{value, MoneyScale};
/// use xxgk::schema::Unit;
///
/// let count = |s| value(s, Unit::Count, MoneyScale::Yuan).map(|p| p.value);
/// assert_eq!(count("１，２３４")?, Some(1234));
/// assert_eq!(count("—")?, None);
/// assert_eq!(count("0")?, Some(0));
/// assert_eq!(count("3件")?, Some(3));
/// let fee = value("439.0745", Unit::Money, MoneyScale::WanYuan)?;
/// assert_eq!(fee.value, Some(439_074_500)); // 分
/// let p = value("22（其中修订16件）", Unit::Count, MoneyScale::Yuan)?;
/// assert_eq!((p.value, p.note.as_deref()), (Some(22), Some("其中修订16件")));
/// assert!(value("约30", Unit::Count, MoneyScale::Yuan).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn value(text: &str, unit: Unit, scale: MoneyScale) -> Result<Parsed, ValueError> {
    plain_digits(text, unit, scale).map_or_else(|| parse_value(text, unit, scale), Ok)
}

/// Up to 15 ASCII digits (most numbers written as text): the value [`parse_value`] gives them,
/// without normalising the text first; `None` for anything else.
fn plain_digits(text: &str, unit: Unit, scale: MoneyScale) -> Option<Parsed> {
    if !(1..=15).contains(&text.len()) || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = text.parse().ok()?;
    let value = match unit {
        Unit::Count | Unit::SignedCount => n,
        Unit::Money => n.checked_mul(scale.fen())?,
    };
    Some(Parsed { value: Some(value), note: None })
}

/// [`value`]'s whole parse.
fn parse_value(text: &str, unit: Unit, scale: MoneyScale) -> Result<Parsed, ValueError> {
    let err = |reason| ValueError { raw: text.to_string(), reason };
    let wide: Vec<char> = text.nfkc().collect();
    // `30 80`: two numbers in one cell (a PDF row that lost its column breaks), not 3080.
    let split_digits = wide.iter().enumerate().any(|(i, c)| {
        c.is_whitespace()
            && wide[..i].iter().rev().find(|c| !c.is_whitespace()).is_some_and(char::is_ascii_digit)
            && wide[i..].iter().find(|c| !c.is_whitespace()).is_some_and(char::is_ascii_digit)
    });
    if split_digits {
        return Err(err("several numbers in one cell"));
    }
    let s: String = wide.into_iter().filter(|c| !c.is_whitespace()).collect();
    if BLANKS.contains(&s.as_str()) {
        return Ok(Parsed { value: None, note: None });
    }
    let (body, note) = match s.ends_with(')') {
        true => match matching_open(&s) {
            Some(open) if open > 0 => (&s[..open], Some(s[open + 1..s.len() - 1].to_string())),
            _ => return Err(err("unbalanced brackets")),
        },
        false => (s.as_str(), None),
    };
    let (body, cell_scale) = if let Some(b) = body.strip_suffix("万元") {
        (b, Some(MoneyScale::WanYuan))
    } else if let Some(b) = body.strip_suffix('元') {
        (b, Some(MoneyScale::Yuan))
    } else {
        (body, None)
    };
    if cell_scale.is_some() && unit != Unit::Money {
        return Err(err("a money amount where a count is expected"));
    }
    let scale = cell_scale.unwrap_or(scale);
    let body = COUNT_UNITS.iter().find_map(|u| body.strip_suffix(u)).unwrap_or(body);
    let (negative, digits) = match body.chars().next() {
        Some('+') => (false, &body[1..]),
        Some('-') => (true, &body[1..]),
        Some('−') => (true, &body['−'.len_utf8()..]),
        _ => (false, body),
    };
    let (int_part, frac_part) = match digits.split_once('.') {
        Some((i, f)) => (i, f),
        None => (digits, ""),
    };
    let int_digits = strip_thousands(int_part).ok_or_else(|| err("not a number"))?;
    if int_digits.is_empty() || !frac_part.chars().all(|c| c.is_ascii_digit()) {
        return Err(err("not a number"));
    }
    let frac_trimmed = frac_part.trim_end_matches('0');
    let magnitude: i128 = match unit {
        Unit::Count | Unit::SignedCount => {
            if !frac_trimmed.is_empty() {
                return Err(err("a count must be a whole number"));
            }
            parse_i128(&int_digits).ok_or_else(|| err("number too large"))?
        }
        Unit::Money => {
            let decimals = scale.decimals();
            if frac_trimmed.len() > decimals as usize {
                return Err(err("more precise than 1 分"));
            }
            let whole = parse_i128(&int_digits).ok_or_else(|| err("number too large"))?;
            let mut frac = frac_trimmed.to_string();
            while frac.len() < decimals as usize {
                frac.push('0');
            }
            let frac_value =
                if frac.is_empty() { 0 } else { parse_i128(&frac).ok_or_else(|| err("not a number"))? };
            let per_unit = scale.fen() as i128;
            whole
                .checked_mul(per_unit)
                .and_then(|w| w.checked_add(frac_value * per_unit / 10i128.pow(decimals)))
                .ok_or_else(|| err("number too large"))?
        }
    };
    let signed = if negative { -magnitude } else { magnitude };
    let value = i64::try_from(signed).map_err(|_| err("number too large"))?;
    Ok(Parsed { value: Some(value), note })
}

fn parse_i128(digits: &str) -> Option<i128> {
    if digits.len() > 30 {
        return None;
    }
    digits.parse().ok()
}

/// `1,234,567` → `1234567`; `None` if the separators are not every three digits.
fn strip_thousands(s: &str) -> Option<String> {
    if !s.contains(',') {
        return s.chars().all(|c| c.is_ascii_digit()).then(|| s.to_string());
    }
    let groups: Vec<&str> = s.split(',').collect();
    let first_ok = (1..=3).contains(&groups[0].len());
    let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
    let digits_ok = groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit()));
    (first_ok && rest_ok && digits_ok).then(|| groups.concat())
}

/// Show an amount of 分 in 元 with two decimals: `43_907_450` → `"439074.50"`.
///
/// ```
/// assert_eq!(xxgk::normalize::yuan(439_074_500), "4390745.00");
/// assert_eq!(xxgk::normalize::yuan(-5), "-0.05");
/// ```
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Plain digits read by the short way give what the whole parse gives, for every unit
        /// and money scale (overflow included: the short way leaves it to the parse).
        #[test]
        fn plain_digits_read_as_the_whole_parse_reads_them(digits in "[0-9]{1,20}") {
            for unit in [Unit::Count, Unit::SignedCount, Unit::Money] {
                for scale in [MoneyScale::Yuan, MoneyScale::WanYuan] {
                    let whole = parse_value(&digits, unit, scale);
                    prop_assert_eq!(value(&digits, unit, scale), whole.clone());
                    if let Some(short) = plain_digits(&digits, unit, scale) {
                        prop_assert_eq!(Ok(short), whole);
                    }
                }
            }
        }
    }

    fn row(table: Table) -> Context {
        Context::Row { table, group: None }
    }

    #[test]
    fn numbering_forms() {
        assert_eq!(split_numbering("一、本年"), (Some(Numbering::Section(1)), "本年"));
        assert_eq!(split_numbering("(三)不予公开"), (Some(Numbering::Paren(3)), "不予公开"));
        assert_eq!(split_numbering("(1)国家"), (Some(Numbering::Arabic(1)), "国家"));
        assert_eq!(split_numbering("1、国家"), (Some(Numbering::Arabic(1)), "国家"));
        assert_eq!(split_numbering("12345热线"), (None, "12345热线"));
        assert_eq!(split_numbering("十二、x"), (Some(Numbering::Section(12)), "x"));
    }

    #[test]
    fn blanks_are_not_zero() {
        for b in ["", " ", "-", "—", "/", "无", "－", "——"] {
            assert_eq!(value(b, Unit::Count, MoneyScale::Yuan).unwrap().value, None, "{b:?}");
        }
        assert_eq!(value("0", Unit::Count, MoneyScale::Yuan).unwrap().value, Some(0));
    }

    #[test]
    fn values() {
        let v = |s, u, sc| value(s, u, sc).map(|p| p.value);
        assert_eq!(v("+2", Unit::SignedCount, MoneyScale::Yuan), Ok(Some(2)));
        assert_eq!(v("-1", Unit::SignedCount, MoneyScale::Yuan), Ok(Some(-1)));
        assert_eq!(v("251000元", Unit::Money, MoneyScale::WanYuan), Ok(Some(25_100_000)));
        assert_eq!(v("439.0745万元", Unit::Money, MoneyScale::Yuan), Ok(Some(439_074_500)));
        assert_eq!(v("24252.311082", Unit::Money, MoneyScale::WanYuan), Ok(Some(24_252_311_082)));
        assert_eq!(v("3.0", Unit::Count, MoneyScale::Yuan), Ok(Some(3)));
        assert_eq!(v("55（含自然失效 29 件）", Unit::Count, MoneyScale::Yuan), Ok(Some(55)));
        assert!(v("3.5", Unit::Count, MoneyScale::Yuan).is_err());
        assert!(v("1,23", Unit::Count, MoneyScale::Yuan).is_err());
        assert!(v("12元", Unit::Count, MoneyScale::Yuan).is_err());
        assert!(v("0.001", Unit::Money, MoneyScale::Yuan).is_err());
        assert!(v("98.05%", Unit::Count, MoneyScale::Yuan).is_err());
        assert!(v("99999999999999999999999", Unit::Count, MoneyScale::Yuan).is_err());
        let e = value("abc", Unit::Count, MoneyScale::Yuan).unwrap_err();
        assert_eq!(e.to_string(), "cannot read \"abc\" as a number: not a number");
    }

    #[test]
    fn group_decides_other() {
        let app = Table::Applications;
        assert_eq!(
            label("其他", row(app)),
            Lookup::Ambiguous(vec![Label::Item(Item::Other), Label::Item(Item::OtherOther)])
        );
        assert_eq!(label("3.其他", row(app)), Lookup::Found(Label::Item(Item::OtherOther)));
        assert_eq!(label("（六）其他处理", row(app)), Lookup::Found(Label::Item(Item::Other)));
    }
}
