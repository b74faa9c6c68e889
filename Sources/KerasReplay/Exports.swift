// `import KerasReplay` is all a user needs: tensors and layers (ReplayEngine) and the checkpoint
// reader's types (KerasCheckpoint) come with it.
@_exported import KerasCheckpoint
@_exported import ReplayEngine
