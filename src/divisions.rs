//! China's administrative divisions (GB/T 2260): codes, names, the parent chain, and the units
//! expected under a prefecture or province.
//!
//! The registry is embedded from `data/divisions.csv` (see `data/README.md` for its source and
//! licence) and parsed once, on first use.
//!
//! ```
//! use xxgk::divisions::{registry, Level, Resolution};
//!
//! let reg = registry();
//! let xinyuan = reg.get(654025).ok_or("654025 is missing")?;
//! assert_eq!((xinyuan.name.as_str(), xinyuan.level), ("新源县", Level::County));
//! assert_eq!(reg.prefecture_of(654025), Some(654000));
//! assert_eq!(reg.resolve("伊犁州", &[]), Resolution::Found(654000));
//! assert_eq!(reg.resolve("察布查尔县", &[]), Resolution::Found(654022));
//! // 鼓楼区 exists in four cities: the parent's name, found in a title or path, decides.
//! assert!(matches!(reg.resolve("鼓楼区", &[]), Resolution::Ambiguous(_)));
//! assert_eq!(reg.resolve("鼓楼区", &["福州市鼓楼区2022年报告"]), Resolution::Found(350102));
//! assert_eq!(reg.expected_units(654000).len(), 11);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use foldhash::{HashMap, HashMapExt};
use std::fmt;
use std::sync::OnceLock;

use crate::error::{Error, ErrorKind, Result};

/// The level of a division.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// 省级: provinces, autonomous regions, municipalities.
    Province,
    /// 地级: prefecture-level cities, 自治州, 地区, 盟 (and the registry's pseudo-prefectures).
    Prefecture,
    /// 县级: counties, county-level cities, districts, 旗.
    County,
}

impl Level {
    /// The code used in `divisions.csv` (`province`, `prefecture`, `county`).
    ///
    /// ```
    /// assert_eq!(xxgk::divisions::Level::County.code(), "county");
    /// ```
    pub const fn code(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::Prefecture => "prefecture",
            Level::County => "county",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One administrative division.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Division {
    /// The six-digit GB/T 2260 code.
    pub code: u32,
    /// The official name.
    pub name: String,
    /// Province, prefecture or county level.
    pub level: Level,
    /// The code of the division above, if any.
    pub parent: Option<u32>,
}

/// The answer of [`Registry::resolve`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resolution {
    /// Exactly one division.
    Found(u32),
    /// Several divisions carry this name; the hints did not decide. Sorted codes.
    Ambiguous(Vec<u32>),
    /// No division carries this name.
    NotFound,
}

/// The division registry: look-ups by code and by name.
#[derive(Debug)]
pub struct Registry {
    divisions: Vec<Division>,
    by_code: HashMap<u32, usize>,
    /// Official names and unique short forms → indices.
    by_name: HashMap<String, Vec<usize>>,
    children: HashMap<u32, Vec<u32>>,
    /// The lengths (in characters) of the names [`Registry::find_in`] accepts, by the character
    /// they end with (a few: 县, 区, 市, …): it tries only these, where such a character is.
    ends: Vec<(char, Vec<usize>)>,
}

/// The registry embedded from `data/divisions.csv`, parsed on first use.
///
/// ```
/// assert_eq!(xxgk::divisions::registry().get(650000).map(|d| d.name.as_str()), Some("新疆维吾尔自治区"));
/// ```
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        // The embedded file is checked by the test suite; failing here would be a build defect.
        Registry::from_csv(include_str!("../data/divisions.csv")).unwrap_or_else(|e| panic!("{e}"))
    })
}

/// Ethnic group names that open the `…族自治州/县/旗` part of an autonomous unit's name.
const ETHNIC: &[&str] = &[
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
    "各族",
];

/// Names of the registry's pseudo-prefectures: not units that publish reports.
fn is_pseudo(name: &str) -> bool {
    matches!(name, "市辖区" | "县" | "省直辖县级行政单位" | "自治区直辖县级行政单位")
}

/// Short forms of an official name: 新源县 → 新源; 伊犁哈萨克自治州 → 伊犁州, 伊犁;
/// 察布查尔锡伯自治县 → 察布查尔县, 察布查尔; 新疆维吾尔自治区 → 新疆.
fn short_forms(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars = |s: &str| s.chars().count();
    for suffix in ["自治州", "自治县", "自治旗", "自治区"] {
        if let Some(core) = name.strip_suffix(suffix) {
            let core = core.strip_suffix('族').unwrap_or(core);
            // The place name ends where the first ethnic group name begins.
            let place = core
                .char_indices()
                .skip(2)
                .find(|(i, _)| ETHNIC.iter().any(|e| core[*i..].starts_with(e)))
                .map_or(core, |(i, _)| &core[..i]);
            if chars(place) >= 2 {
                out.push(place.to_string());
                let kind = suffix.trim_start_matches("自治");
                if kind != "区" {
                    out.push(format!("{place}{kind}"));
                }
            }
            return out;
        }
    }
    for suffix in ["特别行政区", "地区", "省", "市", "县", "区", "旗", "盟", "州"] {
        if let Some(core) = name.strip_suffix(suffix) {
            if chars(core) >= 2 {
                out.push(core.to_string());
            }
            break;
        }
    }
    out
}

impl Registry {
    /// Build a registry from CSV text with the header `code,name,level,parent_code`.
    ///
    /// ```
    /// use xxgk::divisions::Registry;
    /// let reg = Registry::from_csv("code,name,level,parent_code\n650000,新疆维吾尔自治区,province,\n")?;
    /// assert_eq!(reg.len(), 1);
    /// assert!(Registry::from_csv("code,name,level,parent_code\n65,新疆,planet,\n").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_csv(text: &str) -> Result<Registry> {
        let bad = |line: u64, message: String| {
            Error::new(ErrorKind::Division { message: format!("line {line}: {message}") })
        };
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let mut divisions = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| Error::new(ErrorKind::Division { message: e.to_string() }))?;
            let line = record.position().map_or(0, |p| p.line());
            let field = |i: usize| record.get(i).unwrap_or("").trim();
            let code: u32 = field(0)
                .parse()
                .ok()
                .filter(|c| (110000..=999999).contains(c))
                .ok_or_else(|| bad(line, format!("bad code {:?}", field(0))))?;
            let level = match field(2) {
                "province" => Level::Province,
                "prefecture" => Level::Prefecture,
                "county" => Level::County,
                other => return Err(bad(line, format!("bad level {other:?}"))),
            };
            let parent = match field(3) {
                "" => None,
                p => Some(p.parse().map_err(|_| bad(line, format!("bad parent code {p:?}")))?),
            };
            divisions.push(Division { code, name: field(1).to_string(), level, parent });
        }
        Ok(Registry::new(divisions))
    }

    fn new(divisions: Vec<Division>) -> Registry {
        let by_code: HashMap<u32, usize> = divisions.iter().enumerate().map(|(i, d)| (d.code, i)).collect();
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
        for (i, d) in divisions.iter().enumerate() {
            if let Some(p) = d.parent {
                children.entry(p).or_default().push(d.code);
            }
            if !is_pseudo(&d.name) {
                by_name.entry(d.name.clone()).or_default().push(i);
            }
        }
        // Short forms never shadow an official name; one naming several units is ambiguous.
        let mut short: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, d) in divisions.iter().enumerate() {
            if is_pseudo(&d.name) {
                continue;
            }
            for form in short_forms(&d.name) {
                if !by_name.contains_key(&form) {
                    short.entry(form).or_default().push(i);
                }
            }
        }
        by_name.extend(short);
        let mut ends: Vec<(char, Vec<usize>)> = Vec::new();
        for (name, idx) in &by_name {
            let (Some(last), n) = (name.chars().last(), name.chars().count()) else { continue };
            if n < 2 || !Registry::accepted(&divisions, name, idx) {
                continue;
            }
            match ends.iter_mut().find(|(c, _)| *c == last) {
                Some((_, lengths)) => lengths.push(n),
                None => ends.push((last, vec![n])),
            }
        }
        for (_, lengths) in &mut ends {
            lengths.sort_unstable();
            lengths.dedup();
        }
        Registry { divisions, by_code, by_name, children, ends }
    }

    /// Whether `name` (a key of `by_name`, naming the divisions `idx`) counts when found inside
    /// a longer text: an official name, or a short form with its suffix (新源县, not 新源, which
    /// is too easily part of other words).
    fn accepted(divisions: &[Division], name: &str, idx: &[usize]) -> bool {
        idx.iter().any(|&k| divisions[k].name == name)
            || matches!(name.chars().last(), Some('县' | '州' | '市' | '区' | '旗' | '盟'))
    }

    /// The units `text` names, from the left, each name as long as it goes and the next looked
    /// for after it: for each mention, the codes of the divisions carrying that name.
    fn mentions(&self, text: &str) -> Vec<Vec<u32>> {
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let at = |i: usize| chars.get(i).map_or(text.len(), |c| c.0);
        // The longest name starting at each character, found from where names end.
        let mut longest = vec![0usize; chars.len()];
        for (j, &(_, c)) in chars.iter().enumerate() {
            let Some((_, lengths)) = self.ends.iter().find(|(e, _)| *e == c) else { continue };
            for &len in lengths.iter().take_while(|&&len| len <= j + 1) {
                let (start, piece) = (j + 1 - len, &text[at(j + 1 - len)..at(j + 1)]);
                if len > longest[start]
                    && self
                        .by_name
                        .get(piece)
                        .is_some_and(|idx| Registry::accepted(&self.divisions, piece, idx))
                {
                    longest[start] = len;
                }
            }
        }
        let mut found = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let len = longest[i];
            if len > 0 {
                let idx = &self.by_name[&text[at(i)..at(i + len)]];
                found.push(idx.iter().map(|&k| self.divisions[k].code).collect());
            }
            i += len.max(1);
        }
        found
    }

    /// The number of divisions.
    ///
    /// ```
    /// assert!(xxgk::divisions::registry().len() > 3000);
    /// ```
    pub fn len(&self) -> usize {
        self.divisions.len()
    }

    /// Whether the registry is empty.
    ///
    /// ```
    /// assert!(!xxgk::divisions::registry().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.divisions.is_empty()
    }

    /// Every division, in the order of the embedded list (by code).
    ///
    /// ```
    /// let reg = xxgk::divisions::registry();
    /// assert_eq!(reg.divisions().count(), reg.len());
    /// ```
    pub fn divisions(&self) -> impl Iterator<Item = &Division> {
        self.divisions.iter()
    }

    /// The division with this code.
    ///
    /// ```
    /// assert_eq!(xxgk::divisions::registry().get(654000).map(|d| d.parent), Some(Some(650000)));
    /// ```
    pub fn get(&self, code: u32) -> Option<&Division> {
        self.by_code.get(&code).map(|&i| &self.divisions[i])
    }

    /// The divisions directly under `code`, in code order.
    ///
    /// ```
    /// assert_eq!(xxgk::divisions::registry().children(654000).len(), 11);
    /// ```
    pub fn children(&self, code: u32) -> &[u32] {
        self.children.get(&code).map_or(&[], Vec::as_slice)
    }

    /// The code of the nearest ancestor (or `code` itself) at `level`.
    ///
    /// ```
    /// use xxgk::divisions::{registry, Level};
    /// assert_eq!(registry().ancestor(654025, Level::Province), Some(650000));
    /// assert_eq!(registry().ancestor(654000, Level::Prefecture), Some(654000));
    /// ```
    pub fn ancestor(&self, code: u32, level: Level) -> Option<u32> {
        let mut d = self.get(code)?;
        loop {
            if d.level == level {
                return Some(d.code);
            }
            d = self.get(d.parent?)?;
        }
    }

    /// The prefecture a unit belongs to (itself for a prefecture).
    ///
    /// ```
    /// assert_eq!(xxgk::divisions::registry().prefecture_of(654002), Some(654000));
    /// ```
    pub fn prefecture_of(&self, code: u32) -> Option<u32> {
        self.ancestor(code, Level::Prefecture)
    }

    /// The province a unit belongs to (itself for a province).
    ///
    /// ```
    /// assert_eq!(xxgk::divisions::registry().province_of(654002), Some(650000));
    /// ```
    pub fn province_of(&self, code: u32) -> Option<u32> {
        self.ancestor(code, Level::Province)
    }

    /// The county-level units a complete count under `code` expects: the counties of a
    /// prefecture, of every prefecture of a province, or (code 0) of the nation. A prefecture
    /// with no county level (东莞市) expects itself; a county expects itself.
    ///
    /// ```
    /// use xxgk::divisions::registry;
    /// assert_eq!(registry().expected_units(654000).len(), 11);
    /// assert_eq!(registry().expected_units(441900), vec![441900]);
    /// assert!(registry().expected_units(0).len() > 2800);
    /// ```
    pub fn expected_units(&self, code: u32) -> Vec<u32> {
        let mut out = Vec::new();
        let roots: Vec<u32> = if code == 0 {
            self.divisions.iter().filter(|d| d.level == Level::Province).map(|d| d.code).collect()
        } else {
            vec![code]
        };
        for root in roots {
            self.collect_units(root, &mut out);
        }
        out.sort_unstable();
        out
    }

    fn collect_units(&self, code: u32, out: &mut Vec<u32>) {
        let Some(d) = self.get(code) else { return };
        match d.level {
            Level::County => out.push(code),
            Level::Prefecture if self.children(code).is_empty() => out.push(code),
            _ => {
                for &c in self.children(code) {
                    self.collect_units(c, out);
                }
            }
        }
    }

    /// Resolve a unit's name (official or short form) or its six-digit code to its code.
    /// Where several units carry the name, a candidate whose parent or grandparent is named in
    /// one of the `hints` (a title, a sheet name, folder names) wins.
    ///
    /// ```
    /// use xxgk::divisions::{registry, Resolution};
    /// assert_eq!(registry().resolve("新源", &[]), Resolution::Found(654025));
    /// assert_eq!(registry().resolve("招商局", &[]), Resolution::NotFound);
    /// ```
    pub fn resolve(&self, name: &str, hints: &[&str]) -> Resolution {
        let name = name.trim();
        if let Ok(code) = name.parse::<u32>() {
            return if self.get(code).is_some() { Resolution::Found(code) } else { Resolution::NotFound };
        }
        let Some(candidates) = self.by_name.get(name) else { return Resolution::NotFound };
        let codes: Vec<u32> = candidates.iter().map(|&i| self.divisions[i].code).collect();
        self.narrow(codes, hints)
    }

    fn narrow(&self, mut codes: Vec<u32>, hints: &[&str]) -> Resolution {
        codes.sort_unstable();
        codes.dedup();
        if codes.len() > 1 {
            // The nearest named ancestor decides: 徐州市 before 江苏省.
            let named = |code: u32, depth: usize| -> bool {
                self.ancestors(code).nth(depth).is_some_and(|a| {
                    let d = &self.divisions[self.by_code[&a]];
                    !is_pseudo(&d.name)
                        && hints.iter().any(|h| {
                            h.contains(d.name.as_str())
                                || short_forms(&d.name)
                                    .iter()
                                    .any(|s| s.chars().count() >= 2 && h.contains(s.as_str()))
                        })
                })
            };
            for depth in 0..2 {
                let kept: Vec<u32> = codes.iter().copied().filter(|&c| named(c, depth)).collect();
                if !kept.is_empty() {
                    codes = kept;
                    break;
                }
            }
        }
        match codes.len() {
            0 => Resolution::NotFound,
            1 => Resolution::Found(codes[0]),
            _ => Resolution::Ambiguous(codes),
        }
    }

    /// The strict ancestors of `code`, nearest first.
    fn ancestors(&self, code: u32) -> impl Iterator<Item = u32> + '_ {
        std::iter::successors(self.get(code).and_then(|d| d.parent), |&p| self.get(p).and_then(|d| d.parent))
    }

    /// The unit a free text (a title cell, a file or sheet name) names: the most specific
    /// division named in it by official name or a suffixed short form (伊犁州, 察布查尔县), with
    /// the other texts of `hints` deciding between units of the same name.
    ///
    /// A county named together with its prefecture is the county; two unrelated units named in
    /// one text are ambiguous.
    ///
    /// ```
    /// use xxgk::divisions::{registry, Resolution};
    /// let reg = registry();
    /// assert_eq!(reg.find_in("伊犁州新源县2022年政府信息公开工作年度报告", &[]), Resolution::Found(654025));
    /// assert_eq!(reg.find_in("2022年政府信息公开工作年度报告", &[]), Resolution::NotFound);
    /// ```
    pub fn find_in(&self, text: &str, hints: &[&str]) -> Resolution {
        let found = self.mentions(text);
        if found.is_empty() {
            return Resolution::NotFound;
        }
        // Each mention resolved with the whole text and the hints as context.
        let mut context: Vec<&str> = vec![text];
        context.extend_from_slice(hints);
        let mut codes: Vec<u32> = Vec::new();
        for mention in found {
            match self.narrow(mention, &context) {
                Resolution::Found(c) => codes.push(c),
                Resolution::Ambiguous(cs) => codes.extend(cs),
                Resolution::NotFound => {}
            }
        }
        codes.sort_unstable();
        codes.dedup();
        // Drop a mention that is an ancestor of another: 伊犁州 in 伊犁州新源县.
        let ancestors: Vec<u32> = codes.iter().flat_map(|&c| self.ancestors(c)).collect();
        codes.retain(|c| !ancestors.contains(c));
        match codes.len() {
            0 => Resolution::NotFound,
            1 => Resolution::Found(codes[0]),
            _ => Resolution::Ambiguous(codes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_registry_is_whole() {
        let reg = registry();
        assert_eq!(reg.len(), 3223);
        let count = |l| reg.divisions.iter().filter(|d| d.level == l).count();
        assert_eq!((count(Level::Province), count(Level::Prefecture), count(Level::County)), (34, 342, 2847));
        for d in &reg.divisions {
            if let Some(p) = d.parent {
                assert!(reg.get(p).is_some(), "{} has no parent row", d.code);
            }
        }
    }

    #[test]
    fn short_forms_of_autonomous_units() {
        assert_eq!(short_forms("伊犁哈萨克自治州"), vec!["伊犁", "伊犁州"]);
        assert_eq!(short_forms("察布查尔锡伯自治县"), vec!["察布查尔", "察布查尔县"]);
        assert_eq!(short_forms("新疆维吾尔自治区"), vec!["新疆"]);
        assert_eq!(short_forms("黔东南苗族侗族自治州"), vec!["黔东南", "黔东南州"]);
        assert_eq!(short_forms("新源县"), vec!["新源"]);
    }

    #[test]
    fn ambiguous_names_list_their_candidates() {
        let reg = registry();
        assert_eq!(reg.resolve("鼓楼区", &[]), Resolution::Ambiguous(vec![320106, 320302, 350102, 410204]));
        assert_eq!(reg.resolve("鼓楼区", &["江苏省/徐州市/"]), Resolution::Found(320302));
        // 伊宁 is both 伊宁市 and 伊宁县.
        assert_eq!(reg.resolve("伊宁", &[]), Resolution::Ambiguous(vec![654002, 654021]));
    }

    /// [`Registry::mentions`] by brute force: at each character from the left, the longest
    /// accepted name starting there, then on after it.
    fn mentions_by_trying_every_piece(reg: &Registry, text: &str) -> Vec<Vec<u32>> {
        let chars: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
        let n = chars.len() - 1;
        let (mut found, mut i) = (Vec::new(), 0);
        while i < n {
            let longest = (2..=n - i).rev().find_map(|len| {
                let piece = &text[chars[i]..chars[i + len]];
                let idx =
                    reg.by_name.get(piece).filter(|idx| Registry::accepted(&reg.divisions, piece, idx))?;
                Some((len, idx.iter().map(|&k| reg.divisions[k].code).collect::<Vec<u32>>()))
            });
            match longest {
                Some((len, codes)) => {
                    found.push(codes);
                    i += len;
                }
                None => i += 1,
            }
        }
        found
    }

    proptest::proptest! {
        /// Names found from where they end are the names every piece of the text would give:
        /// texts of official names, short forms with and without their suffix, and filler.
        #[test]
        fn names_found_from_their_ends_are_every_pieces(
            parts in proptest::collection::vec((0usize..3223, 0u8..5, 0usize..8), 0..6),
        ) {
            let reg = registry();
            let filler = ["", "2022年", "政府信息公开工作年度报告", "关于", "人民政府", "市", "县区", "新"];
            let mut text = String::new();
            for (k, form, f) in parts {
                let name = &reg.divisions[k].name;
                let shorts = short_forms(name);
                let piece = match form {
                    0 | 1 => name.clone(),
                    _ => shorts.get(usize::from(form) % shorts.len().max(1)).cloned().unwrap_or_default(),
                };
                text.push_str(&piece);
                text.push_str(filler[f]);
            }
            proptest::prop_assert_eq!(reg.mentions(&text), mentions_by_trying_every_piece(reg, &text), "{}", text);
        }
    }
}
