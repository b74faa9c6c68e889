/// This version of keras-replay (`keras-replay --version`).
public enum KerasReplayVersion {
    public static let text = "0.3.0"
}
