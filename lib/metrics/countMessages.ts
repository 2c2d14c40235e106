/** Passes `messages` on, calling `onMessage` for each as it is taken. */
export async function* countMessages<T>(
  messages: AsyncIterable<T>,
  onMessage: (message: T) => void,
): AsyncGenerator<T> {
  for await (const message of messages) {
    onMessage(message);
    yield message;
  }
}
