"""The typed inputs of every named endpoint (pydantic), and their faults said in Chinese.

Each endpoint's arguments are checked against its model before its handler runs: types, the
length of every free-text field, the size of every list. A fault comes back as one Chinese
sentence naming the argument (:func:`validate`), never as Python's own words.

>>> validate(AskIn, {"question": 3}, caps=Caps(2000, 2000))
Traceback (most recent call last):
...
ui.schemas.InputError: 参数 question（问题）应为文本。
>>> validate(FeedbackIn, {"answer": {"question": "问"}, "rating": "up", "comment": "好" * 2001},
...          caps=Caps(2000, 2000))
Traceback (most recent call last):
...
ui.schemas.InputError: 参数 comment（反馈意见）太长：最多 2000 字。
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

#: how long anything the server echoes from an answer may be (an answer's own text, a quote)
LONG_TEXT = 50_000
SHORT = 300  # a name, a title, a filter value, an id
MAX_ITEMS = 50  # filter values, titles, citations
MAX_FILES = 20  # files in one upload

_LABELS = {"question": "问题", "doc_types": "文件类型", "regions": "地区", "statuses": "状态", "date_from": "起始日期",
           "date_to": "截止日期", "previous": "上一轮 /ask 结果中的 turn", "query": "搜索词", "doc_id": "文件编号",
           "files": "文件", "on_conflict": "同名或同标题时的处理", "answer": "/ask 返回的回答", "rating": "评价", "comment": "反馈意见",
           "citations": "引用", "effective": "实际提问", "doc_titles": "文件标题", "doc_ids": "文件编号",
           "focus": "追问焦点", "topic": "对话主题", "asked": "实际提问", "filters": "筛选条件", "warnings": "提示", "quote": "引文",
           "clause": "条款", "doc_title": "文件标题", "source": "来源", "abstained": "是否无法回答"}


class InputError(ValueError):
    """An endpoint's argument that is not what it takes; the message is Chinese and names the argument."""


@dataclass(frozen=True)
class Caps:
    """Length caps from the settings: a question's, and any other free-text field's."""

    question: int
    text: int


Short = Annotated[str, Field(max_length=SHORT)]
Texts = Annotated[list[Short], Field(max_length=MAX_ITEMS)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*", mode="after")
    @classmethod
    def _capped(cls, value: Any, info: ValidationInfo) -> Any:
        """Free text longer than the configured cap (the question's own cap for a question)."""
        caps: Caps | None = (info.context or {}).get("caps")
        if caps is not None and isinstance(value, str) and info.field_name != "question":  # validate_question's
            limit = caps.question * 2 if info.field_name == "effective" else caps.text
            if len(value) > limit:
                raise ValueError(f"cap:{limit}")
        return value


class TurnIn(_In):
    question: str
    effective: str
    doc_titles: Texts = []
    doc_ids: Texts = []
    focus: Short = ""
    topic: str = ""  # the conversation's frame (qa.conversation.Turn.topic), capped as free text


class FiltersIn(_In):
    doc_types: Texts | None = None
    regions: Texts | None = None
    statuses: Texts | None = None
    date_from: Annotated[str, Field(max_length=40)] | None = None
    date_to: Annotated[str, Field(max_length=40)] | None = None


class ExportIn(FiltersIn):
    question: str


class AskIn(ExportIn):
    previous: TurnIn | None = None


class SearchIn(_In):
    query: str | None = None


class OpenIn(_In):
    """The clause viewer's request to open a document in 文件库 (JSON text, from the page's script)."""

    request: str | None = None


class DocumentIn(_In):
    doc_id: Short


class FilesIn(_In):
    model_config = ConfigDict(extra="forbid", strict=False, arbitrary_types_allowed=True)
    files: Annotated[list[str], Field(max_length=MAX_FILES)]  # none: the page asks to choose one
    on_conflict: Literal["ask", "replace", "keep"] = "ask"

    @field_validator("files", mode="before")
    @classmethod
    def _none_is_no_files(cls, value: Any) -> Any:
        """No file chosen (the upload box empty) is an empty list: the page says to choose one."""
        return [] if value is None else value


class CitationIn(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)
    marker: int | None = None
    doc_title: Short = ""
    clause: Short = ""
    quote: Annotated[str, Field(max_length=LONG_TEXT)] = ""
    source: Short = ""
    page: int | None = None
    start: int | None = None
    end: int | None = None


class AnswerIn(BaseModel):
    """An ``/ask`` result as ``/feedback`` takes it: what the feedback line keeps, capped; the rest ignored."""

    model_config = ConfigDict(extra="ignore", strict=True)
    question: Annotated[str, Field(min_length=1, max_length=LONG_TEXT)]
    answer: Annotated[str, Field(max_length=LONG_TEXT)] = ""
    abstained: bool = False
    citations: Annotated[list[CitationIn], Field(max_length=MAX_ITEMS)] = []
    warnings: Annotated[list[Annotated[str, Field(max_length=2000)]], Field(max_length=MAX_ITEMS)] = []
    asked: Annotated[str, Field(max_length=LONG_TEXT)] | None = None
    filters: Annotated[dict[Short, Texts | Short], Field(max_length=20)] | None = None


class FeedbackIn(_In):
    answer: AnswerIn
    rating: Literal["up", "down", "👍", "👎", "+1", "-1"]
    comment: str | None = ""


_PROBLEMS = {
    "string_type": "应为文本", "int_type": "应为整数", "bool_type": "应为 true 或 false", "list_type": "应为列表",
    "dict_type": "应为对象", "model_type": "应为对象", "model_attributes_type": "应为对象", "missing": "缺失",
    "extra_forbidden": "不是这个接口的参数", "too_short": "不能为空", "string_too_short": "不能为空",
    "float_type": "应为数字", "none_required": "应为空",
}


def _message(exc: ValidationError) -> str:
    err = exc.errors(include_url=False)[0]
    loc = [str(x) for x in err["loc"] if not isinstance(x, int)]
    # a union's branch name (str, list[...], TurnIn) is no argument: keep the real names only
    names = [x for x in loc if x in _LABELS or x.isidentifier() and not x[0].isupper() and "[" not in x]
    name = names[-1] if names else (loc[0] if loc else "")
    where = ".".join(names) or name
    label = f"参数 {where}（{_LABELS[name]}）" if name in _LABELS else f"参数 {where} "
    kind = err["type"]
    if kind == "value_error" and "cap:" in str(err.get("msg", "")):
        return f"{label}太长：最多 {str(err['msg']).split('cap:')[-1]} 字。"
    if kind == "string_too_long":
        return f"{label}太长：最多 {err.get('ctx', {}).get('max_length')} 字。"
    if kind == "literal_error":
        return f"{label}只能是 " + ("up 或 down。" if name == "rating" else f"{err.get('ctx', {}).get('expected')}。")
    if kind == "too_long":
        return f"{label}太长：最多 {err.get('ctx', {}).get('max_length')} 项。"
    return f"{label}{_PROBLEMS.get(kind, '不符合要求')}。"


def validate(model: type[BaseModel], values: dict[str, Any], caps: Caps) -> BaseModel:
    """``values`` as ``model``; :class:`InputError` (Chinese, naming the argument) when they are not."""
    try:
        return model.model_validate(values, context={"caps": caps})
    except ValidationError as exc:
        raise InputError(_message(exc)) from None
