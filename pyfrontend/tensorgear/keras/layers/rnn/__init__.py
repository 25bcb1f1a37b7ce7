"""Recurrent layers: the cells, RNN over any cell, SimpleRNN / LSTM / GRU, Bidirectional."""

from .bidirectional import Bidirectional
from .cells import GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells
from .recurrent import GRU, LSTM, SimpleRNN
from .rnn import RNN

__all__ = ["RNN", "SimpleRNN", "LSTM", "GRU", "SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells",
           "Bidirectional"]
