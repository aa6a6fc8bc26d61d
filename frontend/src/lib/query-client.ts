import { Code } from "@connectrpc/connect";
import { MutationCache, QueryCache, QueryClient } from "@tanstack/react-query";
import { ErrorReason } from "@livechat/api/errors_pb";
import { errorCode, errorReason } from "./errors";
import { meKey, setupStateKey } from "./query-keys";

const noRetry = new Set<Code>([
  Code.Unauthenticated,
  Code.PermissionDenied,
  Code.NotFound,
  Code.InvalidArgument,
  Code.FailedPrecondition,
  Code.Unimplemented,
  Code.AlreadyExists,
]);

function isAuthQuery(queryKey: readonly unknown[]): boolean {
  const k = JSON.stringify(queryKey);
  return k === JSON.stringify(meKey) || k === JSON.stringify(setupStateKey);
}

/**
 * The app's one QueryClient. An UNAUTHENTICATED answer anywhere (an expired
 * or revoked session, a disabled agent) re-checks who is signed in, which
 * sends the user to the login screen.
 */
export function createQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({
      onError: (err, query) => {
        if (errorCode(err) === Code.Unauthenticated && !isAuthQuery(query.queryKey)) signedOut();
        // The installation began to require a second factor: GetMe says so
        // and the dashboard leads to the enrolment.
        if (errorReason(err) === ErrorReason.TWO_FACTOR_REQUIRED && !isAuthQuery(query.queryKey)) signedOut();
      },
    }),
    mutationCache: new MutationCache({
      // A mutation whose own UNAUTHENTICATED means something else (Login:
      // a wrong password) says so in its meta and handles it itself.
      onError: (err, _vars, _ctx, mutation) => {
        if (errorCode(err) === Code.Unauthenticated && !mutation.meta?.ownsUnauthenticated) signedOut();
      },
    }),
    defaultOptions: {
      queries: {
        // The event stream keeps cached data current; refetching on focus
        // would only add load.
        staleTime: 60_000,
        refetchOnWindowFocus: false,
        retry: (count, err) => !noRetry.has(errorCode(err)) && count < 2,
      },
      mutations: { retry: false },
    },
  });
  function signedOut() {
    void client.invalidateQueries({ queryKey: meKey });
  }
  return client;
}
