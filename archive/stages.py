"""Job statuses and pipeline stages, with the Vietnamese labels the UI shows."""
from enum import StrEnum


class Stage(StrEnum):
    QUEUED = "queued"
    OCR = "ocr"
    RESTORE = "restore"
    PARSE = "parse"
    STORE = "store"
    INDEX = "index"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]

    @property
    def progress(self) -> int:
        """Percent shown on the progress bar when this stage starts."""
        return STAGE_PROGRESS[self]


STAGE_LABELS = {
    Stage.QUEUED: "chờ xử lý",
    Stage.OCR: "nhận dạng (OCR)",
    Stage.RESTORE: "khôi phục dấu",
    Stage.PARSE: "phân tích",
    Stage.STORE: "lưu trữ",
    Stage.INDEX: "lập chỉ mục",
    Stage.DONE: "xong",
    Stage.FAILED: "lỗi",
}
STAGE_PROGRESS = {
    Stage.QUEUED: 0, Stage.OCR: 10, Stage.RESTORE: 55, Stage.PARSE: 75,
    Stage.STORE: 85, Stage.INDEX: 92, Stage.DONE: 100, Stage.FAILED: 100,
}


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"queued": "chờ xử lý", "running": "đang xử lý", "done": "xong", "failed": "lỗi"}[self]


TASK_STATUS_LABELS = {"todo": "chưa thực hiện", "doing": "đang thực hiện", "done": "hoàn thành"}
