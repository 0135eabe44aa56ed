//! Labels and values: every official label and every §7 variant, plus properties.

use proptest::prelude::*;
use xxgk::normalize::{Context, Header, Label, Lookup, MoneyScale, label, value, yuan};
use xxgk::schema::{Item, Measure, Table, Template, Unit, measures};

/// The context a label of `item` is read in: a row of its table, inside its group when the
/// group is one with sub-items; the review blocks are column headers.
fn row_context(item: Item) -> Context {
    match item.table() {
        Table::ReviewLitigation => Context::Column { table: Table::ReviewLitigation },
        table => Context::Row { table, group: item.parent().filter(|&p| p != Item::Outcomes) },
    }
}

/// Every official row label of `template`, with its numbering as the template prints it.
fn official_rows(template: Template) -> Vec<(String, Item)> {
    Item::ALL
        .iter()
        .filter(|i| i.in_template(template))
        .map(|&i| (format!("{}{}", i.numbering().unwrap_or(""), i.label_in(template)), i))
        .collect()
}

fn official_columns(template: Template) -> Vec<(String, Measure, Table)> {
    let mut out = Vec::new();
    for &table in Table::ALL {
        for m in measures(table, template) {
            out.push((m.label_in(template).to_string(), m, table));
        }
    }
    out
}

#[test]
fn every_official_label_maps_to_its_code() {
    for template in [Template::V2019, Template::V2021] {
        for (text, item) in official_rows(template) {
            assert_eq!(label(&text, row_context(item)), Lookup::Found(Label::Item(item)), "{text}");
            // Numbered labels decide without the enclosing group too.
            if item.numbering().is_some() {
                let bare = Context::Row { table: item.table(), group: None };
                assert_eq!(label(&text, bare), Lookup::Found(Label::Item(item)), "{text} without group");
            }
        }
        for (text, measure, table) in official_columns(template) {
            assert_eq!(
                label(&text, Context::Column { table }),
                Lookup::Found(Label::Measure(measure)),
                "{text}"
            );
        }
    }
    for &table in Table::ALL {
        assert_eq!(label(table.label(), Context::Title), Lookup::Found(Label::Title(table)));
    }
}

#[test]
fn other_and_total_need_their_context() {
    let app = Table::Applications;
    assert!(matches!(label("其他", Context::Any), Lookup::Ambiguous(_)));
    assert!(matches!(label("总计", Context::Any), Lookup::Ambiguous(_)));
    assert_eq!(
        label("总计", Context::Row { table: app, group: None }),
        Lookup::Found(Label::Item(Item::Total))
    );
    assert_eq!(label("总计", Context::Column { table: app }), Lookup::Found(Label::Measure(Measure::Total)));
    assert_eq!(
        label("其他", Context::Row { table: app, group: Some(Item::Other) }),
        Lookup::Found(Label::Item(Item::OtherOther))
    );
    assert_eq!(
        label("其他", Context::Column { table: app }),
        Lookup::Found(Label::Measure(Measure::OtherOrg))
    );
    // Without a group, a bare 其他 row could be the truncated （六） or its third sub-item.
    assert!(matches!(label("其他", Context::Row { table: app, group: None }), Lookup::Ambiguous(_)));
}

#[test]
fn real_world_variants_of_section_7() {
    let app = Table::Applications;
    let row = |group| Context::Row { table: app, group };
    let col = Context::Column { table: app };
    let rows: &[(&str, Option<Item>, Item)] = &[
        ("3.危及“三安全一稳定”", Some(Item::Withheld), Item::WithheldSecurityStability),
        ("3.危及\"三安全一稳定\"", Some(Item::Withheld), Item::WithheldSecurityStability),
        ("3.危及'三安全一稳定'", None, Item::WithheldSecurityStability),
        ("危及「三安全一稳定」", None, Item::WithheldSecurityStability),
        ("(一) 予以公开", None, Item::Granted),
        ("(二) 部分公开 (区分处理的, 只计这一情形, 不计其他情形)", None, Item::PartiallyGranted),
        ("1. 属于国家秘密", Some(Item::Withheld), Item::WithheldStateSecret),
        (
            "1. 申请人无正当理由逾期不补正, 行政机关不再处理其政府信息公开申请",
            None,
            Item::OtherOverdueCorrection,
        ),
        ("(六) 其他", None, Item::Other),
        ("三、本年\n度办\n理结\n果", None, Item::Outcomes),
        ("（三）不\n予公开", None, Item::Withheld),
        ("（四）无\n法提供", None, Item::Unable),
        ("（五）不\n予处理", None, Item::NotProcessed),
        ("（六）其\n他处理", None, Item::Other),
        ("5.属于三类内部事务信\n息", None, Item::WithheldInternalAffairs),
        (
            "1.申请人无正当理由逾\n期不补正、行政机关不\n再处理其政府信息公开\n申请",
            None,
            Item::OtherOverdueCorrection,
        ),
        ("１、属于国家秘密", None, Item::WithheldStateSecret),
        ("(1)属于国家秘密", None, Item::WithheldStateSecret),
        ("合计", None, Item::Total),
        ("办理结果合计", None, Item::Total),
        ("予以公开情况", None, Item::Granted),
        ("部分公开（区分处理）", None, Item::PartiallyGranted),
        ("结转下年", None, Item::CarriedForward),
        ("国家秘密", None, Item::WithheldStateSecret),
        ("法律行政法规禁止公开", None, Item::WithheldProhibitedByLaw),
        ("内部事务信息", None, Item::WithheldInternalAffairs),
        ("过程性信息", None, Item::WithheldProcessInfo),
        ("行政执法案卷", None, Item::WithheldEnforcementFile),
        ("行政查询事项", None, Item::WithheldAdministrativeQuery),
        ("不掌握相关政府信息", None, Item::UnableNotHeld),
        ("申请内容不明确", None, Item::UnableUnclearAfterCorrection),
        ("逾期不补正", None, Item::OtherOverdueCorrection),
        ("逾期未缴费", None, Item::OtherOverdueFee),
    ];
    for &(text, group, item) in rows {
        assert_eq!(label(text, row(group)), Lookup::Found(Label::Item(item)), "{text:?}");
    }
    let columns: &[(&str, Measure)] = &[
        ("社会公益", Measure::SocialWelfareOrg),
        ("商业企\n业", Measure::CommercialEnterprise),
        ("科研机\n构", Measure::ResearchInstitution),
        ("社会公\n益组织", Measure::SocialWelfareOrg),
        ("法律服\n务机构", Measure::LegalServiceOrg),
        ("商业/企业", Measure::CommercialEnterprise),
        ("科研/机构", Measure::ResearchInstitution),
        ("社会/公益/组织", Measure::SocialWelfareOrg),
        ("法律/服务/机构", Measure::LegalServiceOrg),
        ("企业", Measure::CommercialEnterprise),
        ("科研", Measure::ResearchInstitution),
        ("公益组织", Measure::SocialWelfareOrg),
        ("社会组织", Measure::SocialWelfareOrg),
        ("法律服务", Measure::LegalServiceOrg),
        ("合计", Measure::Total),
    ];
    for &(text, measure) in columns {
        assert_eq!(label(text, col), Lookup::Found(Label::Measure(measure)), "{text:?}");
    }
    assert_eq!(
        label("第一项加第二项法人或其他组织\n之和", col),
        Lookup::Found(Label::Header(Header::CornerNote))
    );
    assert_eq!(label("法人或其他组织小计", col), Lookup::Found(Label::Header(Header::Subtotal)));

    let pro_row = Context::Row { table: Table::Proactive, group: None };
    let pro_col = Context::Column { table: Table::Proactive };
    assert_eq!(label("规范性文件", pro_row), Lookup::Found(Label::Item(Item::NormativeDocuments)));
    assert_eq!(
        label("规章(设区的市、自治州人民政府应提供相关数据)", pro_row),
        Lookup::Found(Label::Item(Item::Regulations))
    );
    assert_eq!(
        label("本年增/减(指2020年增加或减少的事项数,减用负值表示,如-8)", pro_col),
        Lookup::Found(Label::Measure(Measure::ItemsChange))
    );
    assert_eq!(
        label("处理决定数量(指2020年办件量)", pro_col),
        Lookup::Found(Label::Measure(Measure::Decisions))
    );
    assert_eq!(
        label("本年新", pro_col),
        Lookup::Ambiguous(vec![Label::Measure(Measure::Made), Label::Measure(Measure::Disclosed)])
    );
    // A provincial extra row is not a national label: it must not be taken for one.
    assert_eq!(label("其他主动公开文件(含部门文件)", pro_row), Lookup::NotFound);
}

#[test]
fn values_keep_blank_apart_from_zero() {
    for blank in ["", " ", "-", "—", "/", "无", "－", "／"] {
        assert_eq!(value(blank, Unit::Count, MoneyScale::Yuan).map(|p| p.value), Ok(None), "{blank:?}");
    }
    for zero in ["0", "０", "0件", "0.0"] {
        assert_eq!(value(zero, Unit::Count, MoneyScale::Yuan).map(|p| p.value), Ok(Some(0)), "{zero:?}");
    }
    assert_eq!(value("+2", Unit::SignedCount, MoneyScale::Yuan).map(|p| p.value), Ok(Some(2)));
    assert_eq!(value("-1", Unit::SignedCount, MoneyScale::Yuan).map(|p| p.value), Ok(Some(-1)));
    assert_eq!(value("251000元", Unit::Money, MoneyScale::Yuan).map(|p| p.value), Ok(Some(25_100_000)));
    assert_eq!(value("439.0745万元", Unit::Money, MoneyScale::Yuan).map(|p| p.value), Ok(Some(439_074_500)));
    let p = value("55（含自然失效 29 件）", Unit::Count, MoneyScale::Yuan).expect("annotated");
    assert_eq!((p.value, p.note.as_deref()), (Some(55), Some("含自然失效29件")));
    for bad in ["3.5", "约30", "30 80", "1,23", "x"] {
        let err = value(bad, Unit::Count, MoneyScale::Yuan).expect_err(bad);
        assert_eq!(err.raw, bad);
    }
}

/// Decorations a person or a PDF converter applies to a label.
#[derive(Clone, Debug)]
enum Decoration {
    /// Make the character at this position full-width (or half-width if it is full-width).
    Width(usize),
    /// Insert this whitespace before the character at this position.
    Space(usize, &'static str),
    /// Replace every curly quote with this pair.
    Quotes(&'static str, &'static str),
}

fn decoration() -> impl Strategy<Value = Decoration> {
    prop_oneof![
        any::<usize>().prop_map(Decoration::Width),
        (any::<usize>(), prop::sample::select(vec![" ", "\n", "\r\n", "\u{3000}", "\t", "  "]))
            .prop_map(|(i, s)| Decoration::Space(i, s)),
        prop::sample::select(vec![("\"", "\""), ("'", "'"), ("「", "」"), ("‘", "’"), ("“", "”")])
            .prop_map(|(a, b)| Decoration::Quotes(a, b)),
    ]
}

fn swap_width(c: char) -> char {
    match c {
        '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
        '！'..='～' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

fn decorate(text: &str, decorations: &[Decoration]) -> String {
    let mut chars: Vec<String> = text.chars().map(String::from).collect();
    for d in decorations {
        match d {
            Decoration::Width(i) if !chars.is_empty() => {
                let i = i % chars.len();
                chars[i] = chars[i].chars().map(swap_width).collect();
            }
            Decoration::Space(i, s) => {
                let i = i % (chars.len() + 1);
                chars.insert(i, s.to_string());
            }
            Decoration::Quotes(open, close) => {
                for c in chars.iter_mut() {
                    *c = c.replace('“', open).replace('”', close);
                }
            }
            Decoration::Width(_) => {}
        }
    }
    chars.concat()
}

/// The numbering forms a label may carry, for a number `n` of a kind.
fn renumber(item: Item, style: u8) -> String {
    let Some(numbering) = item.numbering() else { return String::new() };
    let digits = "一二三四五六七八九";
    let n = numbering
        .chars()
        .find_map(|c| c.to_digit(10).or_else(|| digits.chars().position(|d| d == c).map(|p| p as u32 + 1)))
        .unwrap_or(1);
    let chinese = digits.chars().nth(n as usize - 1).unwrap_or('一');
    match (numbering.chars().next(), style) {
        (_, 0) => String::new(),
        (Some('（'), 1) => format!("({chinese})"),
        (Some('（'), _) => format!("（{chinese}）"),
        (Some(c), 1) if c.is_ascii_digit() => format!("{n}、"),
        (Some(c), 2) if c.is_ascii_digit() => format!("({n})"),
        (Some(c), _) if c.is_ascii_digit() => format!("{n}."),
        _ => numbering.to_string(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decorating_a_row_label_never_changes_its_code(
        item in prop::sample::select(Item::ALL.to_vec()),
        v2019 in any::<bool>(),
        style in 0u8..4,
        decorations in prop::collection::vec(decoration(), 0..8),
    ) {
        let template = if v2019 { Template::V2019 } else { Template::V2021 };
        prop_assume!(item.in_template(template));
        let text = format!("{}{}", renumber(item, style), item.label_in(template));
        let decorated = decorate(&text, &decorations);
        prop_assert_eq!(label(&decorated, row_context(item)), Lookup::Found(Label::Item(item)), "{:?}", decorated);
    }

    #[test]
    fn decorating_a_column_label_never_changes_its_code(
        column in prop::sample::select(official_columns(Template::V2019).into_iter()
            .chain(official_columns(Template::V2021)).collect::<Vec<_>>()),
        decorations in prop::collection::vec(decoration(), 0..8),
    ) {
        let (text, measure, table) = column;
        let decorated = decorate(&text, &decorations);
        prop_assert_eq!(label(&decorated, Context::Column { table }), Lookup::Found(Label::Measure(measure)), "{:?}", decorated);
    }

    /// A label has one answer whatever its decoration: two spellings of the same folded text
    /// never map to two different codes.
    #[test]
    fn no_label_maps_to_two_codes(
        text in "[（）()一二三四五六七八九1-9.、其他总计处理公开不予部分国家秘密予以合计本年新收结转下年度法人组织小计 ]{0,12}",
        decorations in prop::collection::vec(decoration(), 0..6),
        table in prop::sample::select(Table::ALL.to_vec()),
        column in any::<bool>(),
    ) {
        let ctx = if column { Context::Column { table } } else { Context::Row { table, group: None } };
        let answer = label(&text, ctx);
        prop_assert_eq!(&label(&decorate(&text, &decorations), ctx), &answer);
        if let Lookup::Found(found) = answer {
            let fits = match (found, ctx) {
                (Label::Item(i), Context::Row { .. }) => i.table() == table,
                (Label::Item(i), Context::Column { .. }) => i.table() == Table::ReviewLitigation,
                (Label::Measure(_) | Label::Header(_), Context::Column { .. }) => true,
                _ => false,
            };
            prop_assert!(fits, "{:?} answered {:?} in {:?}", text, found, ctx);
        }
    }

    #[test]
    fn integers_round_trip(n in 0i64..10_000_000_000, grouped in any::<bool>(), wide in any::<bool>(), suffix in any::<bool>()) {
        let mut text = n.to_string();
        if grouped {
            let digits: Vec<char> = text.chars().collect();
            text = digits
                .rchunks(3)
                .rev()
                .map(|c| c.iter().collect::<String>())
                .collect::<Vec<_>>()
                .join(",");
        }
        if wide {
            text = text.chars().map(swap_width).collect();
        }
        if suffix {
            text.push('件');
        }
        prop_assert_eq!(value(&text, Unit::Count, MoneyScale::Yuan).map(|p| p.value), Ok(Some(n)));
    }

    #[test]
    fn signed_counts_round_trip(n in -1_000_000i64..1_000_000) {
        let text = if n > 0 { format!("+{n}") } else { n.to_string() };
        prop_assert_eq!(value(&text, Unit::SignedCount, MoneyScale::Yuan).map(|p| p.value), Ok(Some(n)));
    }

    /// 万元 with up to six decimals is exact in 分 (1 万元 = 1,000,000 分).
    #[test]
    fn wan_yuan_round_trip(fen in 0i64..100_000_000_000_000, with_unit in any::<bool>()) {
        let whole = fen / 1_000_000;
        let frac = format!("{:06}", fen % 1_000_000);
        let frac = frac.trim_end_matches('0');
        let text = if frac.is_empty() { whole.to_string() } else { format!("{whole}.{frac}") };
        let parsed = if with_unit {
            value(&format!("{text}万元"), Unit::Money, MoneyScale::Yuan)
        } else {
            value(&text, Unit::Money, MoneyScale::WanYuan)
        };
        prop_assert_eq!(parsed.map(|p| p.value), Ok(Some(fen)));
    }

    #[test]
    fn yuan_shows_fen_exactly(fen in 0i64..1_000_000_000_000) {
        let shown = format!("{}元", yuan(fen));
        prop_assert_eq!(value(&shown, Unit::Money, MoneyScale::Yuan).map(|p| p.value), Ok(Some(fen)));
    }

    #[test]
    fn blank_is_never_zero(blank in prop::sample::select(vec!["", "-", "—", "/", "无", " - ", "\u{3000}", "——"])) {
        for unit in [Unit::Count, Unit::SignedCount, Unit::Money] {
            prop_assert_eq!(value(blank, unit, MoneyScale::WanYuan).map(|p| p.value), Ok(None));
        }
    }
}

proptest! {
    /// A text of digits alone (a count written as text) is no label in any context: the reader
    /// gives such texts no look-up at all.
    #[test]
    fn digits_alone_are_no_label(digits in "[0-9]{1,12}") {
        let mut contexts = vec![Context::Any, Context::Title];
        for &table in Table::ALL {
            contexts.push(Context::Column { table });
            contexts.push(Context::Row { table, group: None });
            for &group in Item::ALL.iter().filter(|i| i.table() == table) {
                contexts.push(Context::Row { table, group: Some(group) });
            }
        }
        for ctx in contexts {
            prop_assert_eq!(label(&digits, ctx), Lookup::NotFound, "{:?}", ctx);
        }
    }
}
