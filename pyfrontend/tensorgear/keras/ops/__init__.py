"""Pieces of the symbolic graph shared by layers and models (``Node``).

Keras 3 keeps its backend-neutral op functions (``keras.ops``) in this package
too; tensorgear's are not written yet.
"""
