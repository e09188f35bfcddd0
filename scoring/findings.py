"""The findings catalogue: one rule per code, each documented in docs/findings/PEnnn.md.

Codes are grouped: PE1xx reading values, PE2xx indicator scores, PE3xx structure and weights,
PE4xx explanations required, PE5xx budget, PE6xx constraint and total, PE9xx layout (reader).
A test (tests/test_catalogue.py) keeps this table and the pages in step.
"""
from __future__ import annotations

from scoring.plaindata import dataclass  # not dataclasses: see scoring.plaindata
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Optional

    from .models import Finding, Severity


@dataclass(frozen=True)
class Rule:
    code: str
    severity: "Severity"
    title_zh: str
    summary_en: str
    message: str  # Chinese template, filled with str.format(**fields)


_RULES = [
    # ---- PE1xx: reading values ---------------------------------------------------------
    Rule("PE101", "warning", "年初目标值无法识别", "The target value cannot be read as a number or a clear statement.",
         "“{name}”的年初目标值{target}，按人工评分处理；请填写明确的目标值。"),
    Rule("PE102", "warning", "实际完成值无法识别", "The actual value cannot be read, so the score cannot be computed.",
         "“{name}”的实际完成值{actual}（目标为数值），已保留填报得分；请填写与目标同单位的完成数。"),
    Rule("PE103", "warning", "实际完成值缺少单位", "The actual value has no unit while the target has one; the target's unit is assumed.",
         "“{name}”的实际完成值“{actual}”没有单位，已按目标值单位“{unit}”理解；请补写单位。"),
    Rule("PE104", "info", "从句子中选取了数字", "The figure used for the actual value was picked from a sentence.",
         "“{name}”的实际完成值是一句话，已取其中的 {value} 计算；请核对，最好只填完成数。"),
    Rule("PE105", "info", "小数按百分比理解", "An Excel fraction (e.g. 1.0) was read as a percentage because the target is a percentage.",
         "“{name}”的实际完成值 {raw} 按百分比 {percent} 理解（目标为百分比）。"),
    Rule("PE106", "warning", "实际完成值为负数", "A negative actual value was clamped to 0.",
         "“{name}”的实际完成值为负数（{actual}），已按 0 计算；请核对。"),
    Rule("PE107", "warning", "指标说明与年初目标值不一致", "The indicator description states a different figure than the target cell.",
         "“{name}”的指标说明写的是 {described}，年初目标值却是 {target}；请核对哪一个正确。"),
    Rule("PE108", "warning", "目标值与完成值单位不一致", "Target and actual values carry different units, so no ratio is computed.",
         "“{name}”的目标值单位为“{target_unit}”，完成值单位为“{actual_unit}”，无法比较，已保留填报得分；请统一单位。"),
    # ---- PE2xx: indicator scores --------------------------------------------------------
    Rule("PE201", "error", "得分超过分值", "A typed score is higher than the indicator's points.",
         "“{name}”的得分 {score} 超过分值 {weight}；得分不得突破分值，按 {weight} 计。"),
    Rule("PE202", "warning", "填报得分与计算得分不一致", "The typed score differs from the score computed from target and actual.",
         "“{name}”填报得分 {typed}，按规则计算应为 {computed}（{explanation}）。"),
    Rule("PE203", "error", "得分单元格是文字", "A score cell holds text; Excel's SUM skips text, so totals are wrong.",
         "“{name}”的得分单元格是文字“{text}”，求和时会被忽略；请填写数字。"),
    Rule("PE204", "error", "需人工评分的指标没有得分", "A judgement/manual indicator has no typed score to keep.",
         "“{name}”需要按三档或人工评分，但得分为空；请填写得分。"),
    Rule("PE205", "warning", "定性得分不在档次区间内", "A three-tier judgement score lies outside the band of its tier.",
         "“{name}”属“{tier}”档，得分区间应为 {band}，填报得分 {score} 不在区间内。"),
    Rule("PE206", "warning", "零目标未达成", "A target of 0 (0%, 0 起) was missed; the indicator scores 0.",
         "“{name}”目标值为 0，实际为 {actual}，未达成，得 0 分；请说明原因。"),
    Rule("PE207", "info", "定性指标需人工判断", "A text target could not be judged automatically; the typed score is kept.",
         "“{name}”为文字目标，无法自动判断是否完成，保留填报得分 {score}；请人工复核。"),
    Rule("PE208", "error", "得分为负数", "A typed indicator score is negative.",
         "“{name}”的得分 {score} 为负数，按 0 计；扣分请填在约束性指标行。"),
    # ---- PE3xx: structure and weights ---------------------------------------------------
    Rule("PE301", "error", "指标分值合计与年度目标分值不符", "The indicators' points do not add up to the goal's declared points.",
         "“{goal}”标注 {points} 分，其下指标分值合计 {sum} 分。"),
    Rule("PE302", "error", "总分值不等于100", "Goal points plus budget points do not add up to 100.",
         "预算执行 {budget} 分 + 各年度目标 {goals} 分 = {sum} 分，应为 {expected} 分。"),
    Rule("PE303", "warning", "一级指标权重与分值不符", "A 一级指标 label's declared share contradicts the points of the rows under it.",
         "“{goal}”中“{label}”标注分值权重 {share}，其下指标合计 {sum} 分，占 {actual_share}。"),
    Rule("PE304", "error", "分值缺失或无效", "An indicator's points (分值) are missing, unreadable or negative.",
         "“{name}”的分值“{weight}”缺失或无效；请填写非负数字。"),
    Rule("PE305", "warning", "年度目标名称重复", "Two goals have the same title.",
         "“{title}”与前面的年度目标名称相同；请核对是否复制后忘记修改。"),
    Rule("PE306", "warning", "一级指标权重与评分方案不符", "The points per 一级指标 differ from the weights the profile prescribes.",
         "“{label}”合计 {sum} 分，评分方案“{profile}”规定为 {expected} 分。"),
    Rule("PE307", "warning", "年度目标未标注分值", "A goal title declares no points, so its weights cannot be checked.",
         "“{goal}”没有标注分值（如“（18分）”），无法核对其下指标分值。"),
    Rule("PE308", "error", "表中没有可评分的指标", "The form has a header but no indicator rows to score (or only placeholder rows).",
         "{where}没有可评分的指标（三级指标行为空或只是占位行），不能得出有效的自评得分；请填写各项指标。"),
    # ---- PE4xx: explanations required ---------------------------------------------------
    Rule("PE401", "warning", "未满分但未说明原因", "A score below full points has no deviation explanation.",
         "“{name}”得分 {score}（满分 {weight}），但“偏差原因分析及改进措施”为空；请说明原因。"),
    Rule("PE402", "warning", "超额完成较多但未说明原因", "Over-completion at or above the threshold has no explanation.",
         "“{name}”完成率 {ratio}，达到 {threshold} 以上，但未说明原因；年初指标值可能设定偏低，请说明超额完成的原因。"),
    Rule("PE403", "warning", "预算未执行完但未说明原因", "Budget execution below 100% has no reason given.",
         "预算执行率 {rate}，“未执行完原因和改进措施”为空；请说明原因。"),
    # ---- PE5xx: budget -------------------------------------------------------------------
    Rule("PE501", "error", "预算数或执行数缺失", "The budget (A) or its execution (B) is missing or not a positive number.",
         "预算执行情况缺少{missing}，预算执行得 0 分；请填写预算数（A）和执行数（B）。"),
    Rule("PE502", "error", "执行数大于预算数", "Executed amount exceeds the budget.",
         "执行数 {executed} 大于预算数 {planned}；请核对（预算数应为调整后全年预算）。"),
    Rule("PE503", "warning", "预算执行得分与计算不一致", "The typed budget score differs from the computed one.",
         "预算执行填报得分 {typed}，按规则计算应为 {computed}（{explanation}）。"),
    Rule("PE504", "warning", "预算执行分值与评分方案不符", "The budget points in the header differ from the profile.",
         "表头标注预算执行 {points} 分，评分方案“{profile}”为 {expected} 分；已按表头分值计算。"),
    Rule("PE505", "warning", "预算数未填，沿用填报得分", "A and B are blank; the typed budget score is kept.",
         "预算数（A）和执行数（B）均未填，已沿用填报的预算执行得分 {typed}；请补填。"),
    # ---- PE6xx: constraint and total -----------------------------------------------------
    Rule("PE601", "warning", "触发约束性指标，总分封顶", "The 约束性指标 row is triggered; the total is capped.",
         "约束性指标“{text}”：总分不得超过 {limit} 分（封顶前 {raw} 分）。"),
    Rule("PE602", "warning", "约束性指标表述含否定", "The constraint text mixes a negation with a trigger (or names it twice); the cap is kept.",
         "约束性指标填的是“{text}”，{why}，按触发处理，总分封顶；如未发生，请从下拉列表选择“无”。"),
    Rule("PE603", "warning", "表头自评得分与计算不一致", "The self-score claimed in the header differs from the recomputed total.",
         "表头自评得分 {claimed}，重新计算为 {total}。"),
    Rule("PE604", "warning", "合计得分与计算不一致", "The typed total differs from the recomputed total.",
         "合计行填报 {typed}，重新计算为 {total}。"),
    Rule("PE605", "warning", "约束性指标扣分无法识别", "The constraint row's deduction cell is not a negative number.",
         "约束性指标得分单元格为“{text}”；酌情扣分请填负数（如 -2），{action}。"),
    Rule("PE606", "warning", "年度目标小计与计算不一致", "A goal's typed subtotal differs from the sum of its indicators.",
         "“{goal}”小计填报 {typed}，其下指标得分合计 {computed}。"),
    Rule("PE607", "warning", "约束性指标为否定表述，未封顶", "The constraint text names a trigger only to negate it; the cap is not applied.",
         "约束性指标填的是“{text}”，其中“{word}”前有否定词，按未发生处理，总分不封顶；请从下拉列表选择“无”确认。"),
    # ---- PE9xx: layout (reader) ----------------------------------------------------------
    # (No PE901: a sheet without a 附件2-1 table is not a finding but a read failure, workbook.errors.NotAForm,
    # exit status 2.)
    Rule("PE902", "warning", "表格中出现第二张自评表", "A second self-evaluation table was found on the same sheet; only the first is scored.",
         "工作表中第 {row} 行开始出现第二张自评表，只评了第一张；请分表填写。"),
    Rule("PE903", "warning", "无法识别的行", "A row inside the table could not be recognised and was skipped.",
         "第 {row} 行无法识别（{text}），未参与评分。"),
    Rule("PE904", "info", "未设年度目标", "No 年度目标 rows: all indicators are read as one goal whose points are the sum of their weights.",
         "表中没有“年度目标”行，全部指标按一个目标计算，目标分值取各指标分值之和（{points} 分）。"),
    Rule("PE905", "info", "一级指标单元格无法识别", "A 一级指标 cell holds text that is not an indicator label (e.g. a stray “50%)”); it is ignored.",
         "一级指标单元格内容“{text}”不是指标名称，已忽略，沿用上方的“{level1}”。"),
    Rule("PE906", "warning", "单元格错位", "A row's cells are shifted against the header; they were realigned before scoring.",
         "第 {row} 行{what}，已按表头列重新对齐读取；请核对并移正单元格。"),
    Rule("PE907", "info", "未找到合计行", "No 合计/总分 row: the recomputed total cannot be written into the form.",
         "表中没有“合计”行，重新计算的总分无法写回表内（见“评分说明”）。"),
    Rule("PE908", "warning", "工作表过大，只读取了一部分", "The sheet is larger than the reading limits; only its first rows/columns were read.",
         "工作表超过 {limit}，只读取了前 {limit}；{rest}的内容未读取，也未参与评分。请删除表格以外的多余内容（或把自评表复制到新工作表）后再评分。"),
    # ---- PE910-PE924: raised around the reader by the form families (workbook.families, scoring.family_checks)
    Rule("PE910", "warning", "数字疑为识别错误", "A figure looks mangled by text recognition (到0次, 第O份); it is not read as a number.",
         "“{name}”的{what}“{text}”疑为扫描识别错误，未按数字理解，保留填报得分；请对照原表改正。"),
    Rule("PE911", "warning", "实际完成值照抄年度指标值", "The actual value repeats the target with its comparator (≥95% as the actual).",
         "“{name}”的实际完成值“{actual}”照抄了年度指标值（连同比较符号），不是实际完成的数；未按满分计算，保留填报得分，请填写实际完成数。"),
    Rule("PE912", "warning", "按“其中”行读取预算执行", "The funds block's total row is zero or blank; the budget was read from the filled row below it.",
         "资金合计行为 0 或空，已按第 {row} 行“{label}”读取：预算数 {planned}、执行数 {executed}；请补填合计行。"),
    Rule("PE913", "warning", "表格未评分", "Nobody typed any score on the form: it is reported as 未评分, with its structure checks, not given a total.",
         "表中 {count} 项指标和预算执行均未填写得分，按“未评分”处理，不给出总分；只检查了分值设置等结构。"),
    Rule("PE914", "warning", "执行率与执行数/预算数不符", "The typed 执行率 differs from 执行数/预算数 (B/A).",
         "填报执行率 {typed}，按执行数 {executed} / 预算数 {planned} 计算为 {rate}。"),
    Rule("PE915", "warning", "预算大幅调减但数量指标满分", "The budget was cut by 20% or more during the year while every 数量指标 kept full points.",
         "全年预算数 {planned} 比年初预算数 {initial} 调减 {cut}，而 {count} 项数量指标仍全部满分：目标是否随预算调整？请说明。"),
    Rule("PE916", "warning", "预算执行得分未填或重复填写", "The budget score is blank while indicators are scored, or typed again on a breakdown row.",
         "预算执行得分{what}。"),
    Rule("PE917", "info", "模板说明文字未替换", "Template instructions (“对照……（100字以内）”) are still in answer cells.",
         "{cells} 等 {count} 处仍是模板的填写说明，未填写内容。"),
    Rule("PE918", "info", "模板占位行未计分", "Template placeholder or breakdown rows (指标1：, /, ……, 其中…) were not read as indicators.",
         "第 {rows} 行是模板占位行或“其中”明细行（共 {count} 行），不是指标，未参与评分。"),
    Rule("PE919", "warning", "分项分值与标注不符", "A 一级/二级 label declares points (“规划（15分）”) that differ from the sum of the rows under it.",
         "“{label}”标注 {declared} 分，其下 {count} 项指标分值合计 {total} 分。"),
    Rule("PE920", "info", "表中没有分值列", "The form prints no 分值 column: the rows' points are implicit, so their typed scores are kept and only the sums are checked.",
         "表中没有“分值”列，{count} 项指标的分值未列出：不能按目标值和完成值重算得分，已保留填报得分，只核对各年度目标和总分的合计。"),
    Rule("PE921", "warning", "得分合计超过年度目标分值", "On a form without a 分值 column, a goal's typed scores add up to more than its declared points.",
         "“{goal}”标注 {points} 分，其下各指标得分合计 {total} 分，超过了目标分值。"),
    Rule("PE922", "warning", "预算年中调整未说明理由", "The budget was raised or cut during the year and the form gives no reason, though its layout asks for one.",
         "年初预算数 {initial} 在年中调整为 {planned}（{change}），原因栏没有说明调整理由；请说明追加或调减的理由。"),
    Rule("PE923", "warning", "一级指标下没有指标", "A 一级指标 label stands on the form with no indicator under it.",
         "“{label}”下没有填任何指标；请补填指标（含分值、目标值和完成值），或说明不设此类指标的原因。"),
    Rule("PE924", "warning", "指标名称或归类不当", "An indicator's name is a value (“1年”), or it is filed under a class it does not belong to (成本 under 数量指标, no 满意 under 满意度指标).",
         "三级指标“{name}”{what}；请核对指标名称及其所属的一级、二级指标。"),
]

CATALOGUE: dict[str, Rule] = {r.code: r for r in _RULES}

# How serious a finding is, low to high: the one ranking (a cell's highlight shows its worst finding).
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}


def worst(severities) -> str:
    """The most serious of some severities ("info" for none)."""
    return max(severities, key=SEVERITY_RANK.__getitem__, default="info")


class _Fields(dict):
    """Missing template fields render as '…' rather than raising: a finding must never crash."""

    def __missing__(self, key: str) -> str:
        return "…"


def make(code: str, cell: Optional[str] = None, **fields) -> "Finding":
    """Build a Finding from the catalogue; ``fields`` fill the Chinese message template."""
    rule = CATALOGUE[code]
    message = rule.message.format_map(_Fields(fields))
    # Built from the catalogue, so already valid: no validation pass per finding.
    return (_FINDING[0] or _finding())(code=code, severity=rule.severity, cell=cell, message=message)


_FINDING: list = [None]  # scoring.models.Finding, imported on the first finding (an import statement per call costs ~1 µs)


def _finding():
    from .models import Finding

    _FINDING[0] = Finding
    return Finding
