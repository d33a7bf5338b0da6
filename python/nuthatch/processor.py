"""Processors: shape what a cached call returns (and check what it recalls).

A processor sees the call's arguments before the lookup (``process_arguments``), then the
result, recalled or computed: ``validate`` (when ``validate_data`` is true) and
``post_process``. Entries are stored unprocessed. Applied to a cached function, the
engine runs them: a recalled result that fails validation is recomputed and replaced, a
computed one that fails is an error. Applied to any other function, the processor wraps
it as the original package does.

    class clip(NuthatchProcessor):
        def __init__(self, low, **kwargs):
            super().__init__(**kwargs)
            self.low = low
        def post_process(self, data):
            return data[data > self.low]
        def validate(self, data):
            return len(data) > 0

    @clip(0)
    @cache(cache_args=['n'])
    def f(n): ...

Each call works on a copy of the processor, so state set in ``process_arguments`` (for
instance the call's start and end times) belongs to that call.
"""
import copy
import functools
from abc import ABC, abstractmethod
from inspect import signature


class NuthatchProcessor(ABC):
    """Base class of processors; subclasses implement post_process and validate."""

    def __init__(self, **kwargs):
        """``validate_data``: validate results (default False); a call may pass
        ``validate_data=`` too."""
        self.validate_data = kwargs.get("validate_data", False)

    def __call__(self, func):
        if getattr(func, "__nuthatch_cacheable__", False) and hasattr(func, "with_processor"):
            return func.with_processor(self)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            processor = copy.copy(self)
            if "validate_data" in kwargs:
                processor.validate_data = kwargs.pop("validate_data")
            args, kwargs = processor.process_arguments(signature(func).parameters, args, kwargs)
            data = func(*args, **kwargs)
            if processor.validate_data and not processor.validate(data):
                raise ValueError("Data failed validation. Please manually overwrite data to "
                                 "proceed.")
            return processor.post_process(data)
        return wrapper

    @abstractmethod
    def post_process(self, data):
        """Returns the data the call returns (e.g. a slice of it)."""
        return data

    def process_arguments(self, params, args, kwargs):
        """Checks or rewrites the call's arguments; returns ``(args, kwargs)``."""
        return args, kwargs

    @abstractmethod
    def validate(self, data):
        """Whether the data covers what the call asked for."""
        return True
