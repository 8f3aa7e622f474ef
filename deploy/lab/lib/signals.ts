export async function printSignals(_o: { prometheus: string; faultStart: string; faultEnd: string }): Promise<void> {
  throw new Error('not yet');
}
