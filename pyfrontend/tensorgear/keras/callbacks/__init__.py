"""``keras.callbacks``: hooks into fit / evaluate / predict."""

from .backup_and_restore import BackupAndRestore
from .callback import Callback
from .callback_list import CallbackList
from .csv_logger import CSVLogger
from .early_stopping import EarlyStopping
from .history import History
from .lambda_callback import LambdaCallback
from .learning_rate_scheduler import LearningRateScheduler, ReduceLROnPlateau
from .model_checkpoint import ModelCheckpoint
from .progbar_logger import ProgbarLogger
from .tensorboard import TensorBoard
from .terminate_on_nan import TerminateOnNaN

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger", "EarlyStopping", "ModelCheckpoint",
           "CSVLogger", "LambdaCallback", "TerminateOnNaN", "LearningRateScheduler", "ReduceLROnPlateau",
           "BackupAndRestore", "TensorBoard"]
