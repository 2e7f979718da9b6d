"""Tandem settings, one module per concern; each reads its variables through `env`."""

from .api import *
from .core import *
from .database import *
from .identity import *
from .integrations import *
from .security import *
from .tasks import *
